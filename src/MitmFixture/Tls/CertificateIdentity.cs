using System.Net;
using System.Security.Cryptography.X509Certificates;

namespace MitmFixture.Tls;

/// <summary>
/// The names an interception certificate carries: a common name plus DNS and IP subject
/// alternative names. Clients check the SAN list only (RFC 6125 §6.4.4), so every name the client
/// may have asked for must be in it.
/// </summary>
internal sealed record CertificateIdentity
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
    /// Copies the alternative names of the real server's certificate, so that a client asking for any
    /// of them accepts ours, and adds the host the client asked for, which is also the common name
    /// (mitmproxy's upstream certificate sniffing puts the SNI first the same way). Names that would
    /// make our certificate good for far more than this server are never copied: a bare <c>*</c>, a
    /// wildcard over a single label (<c>*.com</c>), a wildcard anywhere but as the whole leftmost
    /// label. With ssl_insecure any server can present such names, and the client trusts our CA.
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
                    if (IsSafeToCopy(name))
                    {
                        dns.Add(name.ToLowerInvariant().TrimEnd('.'));
                    }
                }

                ips.AddRange(san.EnumerateIPAddresses());
            }
        }

        dns.UnionWith(requested.DnsNames);
        foreach (var ip in requested.IpAddresses.Where(ip => !ips.Contains(ip)))
        {
            ips.Add(ip);
        }

        ips.Sort((a, b) => string.CompareOrdinal(a.ToString(), b.ToString()));
        return new CertificateIdentity(requested.CommonName, [.. dns], ips);
    }

    /// <summary>
    /// RFC 6125 §6.4.3 and CA/Browser Forum rules: a wildcard is only the whole leftmost label and
    /// needs at least two labels under it. Without a public suffix list, <c>*.co.uk</c> still passes.
    /// </summary>
    internal static bool IsSafeToCopy(string name)
    {
        var labels = name.TrimEnd('.').Split('.');
        if (name.Length is 0 or > 253 || labels.Any(label => label.Length is 0 or > 63))
        {
            return false;
        }

        for (var i = 0; i < labels.Length; i++)
        {
            if (labels[i].Contains('*') && (i > 0 || labels[i] != "*"))
            {
                return false;
            }
        }

        return labels[0] != "*" || labels.Length >= 3;
    }
}
