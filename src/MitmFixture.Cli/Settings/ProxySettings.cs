using System.Globalization;
using MitmFixture.Proxy;

namespace MitmFixture.Cli.Settings;

/// <summary>
/// Turns command-line options into <see cref="ProxyOptions"/>, collecting every error so the user
/// sees them all at once. <c>--set name=value</c> takes mitmproxy's option names.
/// </summary>
internal static class ProxySettings
{
    /// <summary>The names <c>--set</c> accepts, with what each expects.</summary>
    public static readonly IReadOnlyDictionary<string, string> Known = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["stream_large_bodies"] = "a size such as 1m, 512k or 1048576",
        ["stream_websockets"] = "true or false",
        ["upstream_cert"] = "true or false",
        ["ssl_insecure"] = "true or false",
        ["keep_host_header"] = "true or false",
        ["ignore_hosts"] = "a regular expression matched against host:port (repeatable)",
        ["confdir"] = "a directory for the CA files (default ~/.mitmfixture)",
        ["body_size_limit"] = "a size such as 256m: the largest body held in memory",
        ["decode_limit"] = "a size such as 64m: the most a body may expand to when its Content-Encoding is undone",
        ["connect_timeout"] = "seconds",
    };

    public static ProxyOptions Build(string listen, string mode, bool sslInsecure, IEnumerable<string> sets, List<string> errors)
    {
        var options = new ProxyOptions { SslInsecure = sslInsecure };
        if (TryParseListen(listen, out var host, out var port))
        {
            options = options with { ListenHost = host, ListenPort = port };
        }
        else
        {
            errors.Add($"--listen '{listen}': expected HOST:PORT such as 127.0.0.1:8080 (port 0 picks a free one)");
        }

        try
        {
            options = options with { Mode = ProxyMode.Parse(mode) };
        }
        catch (FormatException e)
        {
            errors.Add($"--mode: {e.Message}");
        }

        var ignore = new List<string>();
        foreach (var set in sets)
        {
            var equals = set.IndexOf('=');
            if (equals <= 0)
            {
                errors.Add($"--set '{set}': expected name=value");
                continue;
            }

            var name = set[..equals].Trim();
            var value = set[(equals + 1)..].Trim();
            if (!Known.TryGetValue(name, out var expected))
            {
                errors.Add($"--set {name}: unknown option; known: {string.Join(", ", Known.Keys)}");
                continue;
            }

            if (!TryApply(ref options, name, value, ignore))
            {
                errors.Add($"--set {name}={value}: expected {expected}");
            }
        }

        if (ignore.Count > 0)
        {
            options = options with { IgnoreHosts = ignore };
        }

        errors.AddRange(options.Validate());
        return options;
    }

    private static bool TryApply(ref ProxyOptions options, string name, string value, List<string> ignore)
    {
        switch (name)
        {
            case "stream_large_bodies" when SizeParser.TryParse(value, out var size) && size > 0:
                options = options with { StreamLargeBodies = size };
                return true;
            case "body_size_limit" when SizeParser.TryParse(value, out var limit) && limit > 0:
                options = options with { Limits = options.Limits with { MaxBufferedBodyBytes = limit } };
                return true;
            case "decode_limit" when SizeParser.TryParse(value, out var decodeLimit) && decodeLimit > 0:
                options = options with { Limits = options.Limits with { MaxDecodedBodyBytes = decodeLimit } };
                return true;
            case "stream_websockets" when bool.TryParse(value, out var flag):
                options = options with { StreamWebSockets = flag };
                return true;
            case "upstream_cert" when bool.TryParse(value, out var flag):
                options = options with { UpstreamCert = flag };
                return true;
            case "ssl_insecure" when bool.TryParse(value, out var flag):
                options = options with { SslInsecure = flag };
                return true;
            case "keep_host_header" when bool.TryParse(value, out var flag):
                options = options with { KeepHostHeader = flag };
                return true;
            case "ignore_hosts" when value.Length > 0:
                ignore.Add(value);
                return true;
            case "confdir" when value.Length > 0:
                options = options with { CertificateDirectory = value };
                return true;
            case "connect_timeout" when double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && seconds > 0:
                options = options with { Limits = options.Limits with { ConnectTimeout = TimeSpan.FromSeconds(seconds) } };
                return true;
            default:
                return false;
        }
    }

    public static bool TryParseListen(string text, out string host, out int port)
    {
        host = "";
        port = 0;
        var colon = text.LastIndexOf(':');
        if (colon < 0)
        {
            return false;
        }

        host = text[..colon].Trim('[', ']');
        return host.Length > 0 && int.TryParse(text[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out port) && port <= 65535;
    }
}
