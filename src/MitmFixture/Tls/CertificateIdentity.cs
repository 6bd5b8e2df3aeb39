using System.Net;
using System.Security.Cryptography.X509Certificates;

namespace MitmFixture.Tls;

/// <summary>
/// The names an interception certificate carries: a common name plus DNS and IP subject
/// alternative names. Clients check the SAN list only (RFC 6125 §6.4.4), so every name the client
/// may have asked for must be in it.
/// </summary>
public sealed record CertificateIdentity
{
    private CertificateIdentity(string commonName, IReadOnlyList<string> dnsNames, IReadOnlyList<IPAddress> ipAddresses)
    {
        CommonName = commonName;
        DnsNames = dnsNames;
        IpAddresses = ipAddresses;
        CacheKey = string.Join('|', [commonName, .. dnsNames, .. ipAddresses.Select(a => a.ToString())]);
    }

    public string CommonName { get; }

    public IReadOnlyList<string> DnsNames { get; }

    public IReadOnlyList<IPAddress> IpAddresses { get; }

    /// <summary>Equal for identities that need the same certificate.</summary>
    internal string CacheKey { get; }

    /// <summary>A certificate for one host name or IP address, as asked for by SNI or the CONNECT target.</summary>
    public static CertificateIdentity ForHost(string host)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(host);
        host = host.Trim('[', ']').TrimEnd('.').ToLowerInvariant();
        return IPAddress.TryParse(host, out var ip)
            ? new CertificateIdentity(host, [], [ip])
            : new CertificateIdentity(host, [host], []);
    }

    /// <summary>
    /// Copies the common name and alternative names of the real server's certificate, so that a
    /// client asking for any of them accepts ours, and adds the host the client asked for when the
    /// server's certificate does not name it (mitmproxy's upstream certificate sniffing does the same).
    /// </summary>
    public static CertificateIdentity FromUpstream(X509Certificate2 upstream, string requestedHost)
    {
        ArgumentNullException.ThrowIfNull(upstream);
        var requested = ForHost(requestedHost);
        var dns = new SortedSet<string>(StringComparer.Ordinal);
        var ips = new List<IPAddress>();
        foreach (var extension in upstream.Extensions)
        {
            if (extension is X509SubjectAlternativeNameExtension san)
            {
                foreach (var name in san.EnumerateDnsNames())
                {
                    dns.Add(name.ToLowerInvariant());
                }

                ips.AddRange(san.EnumerateIPAddresses());
            }
        }

        dns.UnionWith(requested.DnsNames);
        foreach (var ip in requested.IpAddresses.Where(ip => !ips.Contains(ip)))
        {
            ips.Add(ip);
        }

        var commonName = upstream.GetNameInfo(X509NameType.SimpleName, forIssuer: false);
        if (string.IsNullOrWhiteSpace(commonName))
        {
            commonName = requested.CommonName;
        }

        ips.Sort((a, b) => string.CompareOrdinal(a.ToString(), b.ToString()));
        return new CertificateIdentity(commonName, [.. dns], ips);
    }
}
