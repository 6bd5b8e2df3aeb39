using System.Globalization;
using MitmFixture.Http;
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
        ["connect_timeout"] = "seconds",
        ["headers_timeout"] = "seconds for a whole request head, from its first byte (default 30)",
        ["keepalive_timeout"] = "seconds an idle client connection is kept open (default 130)",
        ["min_request_body_data_rate"] = "bytes per second a request body must keep up, 0 for no minimum (default 240)",
        ["min_request_body_grace_period"] = "seconds before the request body rate is checked (default 5)",
        ["min_response_data_rate"] = "bytes per second a client must read a response at, 0 for no minimum (default 240)",
        ["min_response_grace_period"] = "seconds of grace for each write to the client (default 5)",
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
            case "headers_timeout" when TryParseSeconds(value, out var timeout):
                options = options with { Limits = options.Limits with { HeadersTimeout = timeout } };
                return true;
            case "keepalive_timeout" when TryParseSeconds(value, out var timeout):
                options = options with { Limits = options.Limits with { IdleTimeout = timeout } };
                return true;
            case "min_request_body_data_rate" when TryParseRate(value, options.Limits.MinRequestBodyDataRate, out var rate):
                options = options with { Limits = options.Limits with { MinRequestBodyDataRate = rate } };
                return true;
            case "min_response_data_rate" when TryParseRate(value, options.Limits.MinResponseDataRate, out var rate):
                options = options with { Limits = options.Limits with { MinResponseDataRate = rate } };
                return true;
            case "min_request_body_grace_period" when TryParseGrace(value, out var grace):
                options = options with { Limits = options.Limits with { MinRequestBodyDataRate = options.Limits.MinRequestBodyDataRate is { } r ? r with { GracePeriod = grace } : null } };
                return true;
            case "min_response_grace_period" when TryParseGrace(value, out var grace):
                options = options with { Limits = options.Limits with { MinResponseDataRate = options.Limits.MinResponseDataRate is { } response ? response with { GracePeriod = grace } : null } };
                return true;
            default:
                return false;
        }
    }

    private static bool TryParseSeconds(string value, out TimeSpan timeout)
    {
        var ok = double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && seconds > 0 && seconds < TimeSpan.MaxValue.TotalSeconds;
        timeout = ok ? TimeSpan.FromSeconds(seconds) : default;
        return ok;
    }

    private static bool TryParseGrace(string value, out TimeSpan grace)
    {
        var ok = double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && seconds >= 0 && seconds < TimeSpan.MaxValue.TotalSeconds;
        grace = ok ? TimeSpan.FromSeconds(seconds) : default;
        return ok;
    }

    /// <summary>A rate in bytes per second keeping the current grace period; 0 turns the minimum off.</summary>
    private static bool TryParseRate(string value, MinDataRate? current, out MinDataRate? rate)
    {
        rate = null;
        if (!double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var bytesPerSecond) || bytesPerSecond < 0 || double.IsInfinity(bytesPerSecond))
        {
            return false;
        }

        if (bytesPerSecond > 0)
        {
            rate = new MinDataRate(bytesPerSecond, current?.GracePeriod ?? MinDataRate.Default.GracePeriod);
        }

        return true;
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
