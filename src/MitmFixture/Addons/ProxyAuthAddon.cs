using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using MitmFixture.Flows;
using MitmFixture.Http;

namespace MitmFixture.Addons;

/// <summary>
/// <c>proxyauth</c>: clients must authenticate to the proxy (Basic). <c>user:pass</c>, <c>@htpasswd</c>
/// (SHA1 <c>{SHA}</c> entries) or <c>any</c> (any credentials). Answers 407 with Proxy-Authenticate,
/// checks CONNECT too (requests inside an authenticated tunnel pass), compares in constant time and
/// strips Proxy-Authorization before anything goes upstream. Regular and upstream modes; in socks5 mode
/// the same credentials are asked for with RFC 1929 username/password authentication.
/// </summary>
public sealed class ProxyAuthAddon : ProxyAddon
{
    private const string Realm = "mitmfixture";
    private readonly Func<string, string, bool> _check;
    private readonly ConditionalWeakTable<ClientConnectionInfo, object> _authenticated = [];

    private ProxyAuthAddon(Func<string, string, bool> check) => _check = check;

    /// <summary>Parses the option; errors quote it and say what is wrong.</summary>
    public static ProxyAuthAddon Parse(string option)
    {
        if (option == "any")
        {
            return new ProxyAuthAddon((_, _) => true);
        }

        if (option.StartsWith('@'))
        {
            return new ProxyAuthAddon(Htpasswd.Load(option[1..]).Check);
        }

        var colon = option.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0)
        {
            // Not quoted: a value without a colon may be a password typed alone, and errors end up in CI logs.
            throw new FormatException("proxyauth: expected user:pass, @path/to/htpasswd or any (the value given has no ':')");
        }

        var user = Encoding.UTF8.GetBytes(option[..colon]);
        var pass = Encoding.UTF8.GetBytes(option[(colon + 1)..]);
        return new ProxyAuthAddon((u, p) =>
            CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(u), user) & CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(p), pass));
    }

    /// <summary>The option as it may be shown in messages and logs: <c>user:pass</c> becomes <c>user:***</c>.</summary>
    public static string Describe(string option)
    {
        var colon = option.IndexOf(':', StringComparison.Ordinal);
        return option == "any" || option.StartsWith('@') ? option : colon > 0 ? option[..colon] + ":***" : "***";
    }

    /// <inheritdoc/>
    public override bool RequiresSocks5Auth => true;

    /// <summary>RFC 1929 credentials; once accepted, the requests on that connection pass as inside an authenticated tunnel.</summary>
    public override bool Socks5Auth(ClientConnectionInfo client, string username, string password)
    {
        if (!_check(username, password))
        {
            return false;
        }

        _authenticated.AddOrUpdate(client, true);
        return true;
    }

    /// <inheritdoc/>
    public override ValueTask HttpConnectAsync(Flow flow, CancellationToken cancellationToken)
    {
        if (Authenticate(flow))
        {
            _authenticated.AddOrUpdate(flow.Client, true);
        }

        return default;
    }

    /// <inheritdoc/>
    public override ValueTask RequestHeadersAsync(Flow flow, CancellationToken cancellationToken)
    {
        if (flow.Client.TlsEstablished || _authenticated.TryGetValue(flow.Client, out _))
        {
            flow.Request.Headers.Remove("Proxy-Authorization"); // inside an authenticated tunnel
            return default;
        }

        Authenticate(flow);
        return default;
    }

    private bool Authenticate(Flow flow)
    {
        var header = flow.Request.Headers.Get("Proxy-Authorization");
        flow.Request.Headers.Remove("Proxy-Authorization");
        if (header is not null && header.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase))
        {
            try
            {
                var decoded = Encoding.UTF8.GetString(Convert.FromBase64String(header[6..].Trim()));
                var colon = decoded.IndexOf(':', StringComparison.Ordinal);
                if (colon > 0 && _check(decoded[..colon], decoded[(colon + 1)..]))
                {
                    flow.Metadata["proxyauth"] = decoded[..colon];
                    return true;
                }
            }
            catch (FormatException)
            {
                // Not base64: treated like wrong credentials.
            }
        }

        var response = HttpResponse.Create(407, "Proxy Authentication Required\n");
        response.Headers.Add("Proxy-Authenticate", $"Basic realm=\"{Realm}\"");
        flow.Response = response;
        return false;
    }

    /// <summary>An Apache htpasswd file: <c>user:{SHA}base64(sha1(pass))</c> lines.</summary>
    private sealed class Htpasswd(Dictionary<string, string> entries)
    {
        public static Htpasswd Load(string path)
        {
            string[] lines;
            try
            {
                lines = File.ReadAllLines(path);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new FormatException($"proxyauth '@{path}': cannot read the htpasswd file: {e.Message}", e);
            }

            var entries = new Dictionary<string, string>(StringComparer.Ordinal);
            for (var i = 0; i < lines.Length; i++)
            {
                var line = lines[i].Trim();
                if (line.Length == 0 || line.StartsWith('#'))
                {
                    continue;
                }

                var colon = line.IndexOf(':', StringComparison.Ordinal);
                var hash = colon > 0 ? line[(colon + 1)..] : "";
                if (!hash.StartsWith("{SHA}", StringComparison.Ordinal))
                {
                    var kind = hash.StartsWith("$2", StringComparison.Ordinal) ? "bcrypt" : hash.StartsWith("$apr1$", StringComparison.Ordinal) ? "MD5 (apr1)" : "this";
                    throw new FormatException($"proxyauth '@{path}' line {i + 1}: {kind} hashes are not supported here; use SHA1 entries (htpasswd -s)");
                }

                entries[line[..colon]] = hash["{SHA}".Length..];
            }

            return new Htpasswd(entries);
        }

        public bool Check(string user, string pass)
        {
            var expected = entries.TryGetValue(user, out var hash) ? hash : "AAAAAAAAAAAAAAAAAAAAAAAAAAA=";
#pragma warning disable CA5350 // htpasswd's {SHA} format is defined as SHA1; we only verify what the file holds
            var actual = Convert.ToBase64String(SHA1.HashData(Encoding.UTF8.GetBytes(pass)));
#pragma warning restore CA5350
            return CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(actual), Encoding.ASCII.GetBytes(expected)) && hash is not null;
        }
    }
}
