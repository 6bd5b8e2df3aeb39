using System.Collections.Concurrent;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace MitmFixture.Tls;

/// <summary>
/// Mints and caches the per-host certificates shown to clients. All leaves share one ECDSA P-256
/// key, generated once, as mitmproxy shares one key: signing a certificate then costs about a
/// millisecond instead of an RSA key generation. Entries are rebuilt a day before they expire.
/// </summary>
internal sealed class LeafCertificateCache : IDisposable
{
    /// <summary>Bounded so that a client visiting many hosts cannot grow memory without limit.</summary>
    private const int Capacity = 1024;

    /// <summary>Browsers refuse leaves valid for more than 398 days; a year stays under that.</summary>
    private static readonly TimeSpan Validity = TimeSpan.FromDays(365);

    private readonly CertificateAuthority _authority;
    private readonly TimeProvider _time;
    private readonly ECDsa _leafKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private readonly ConcurrentDictionary<string, Lazy<Entry>> _entries = new(StringComparer.Ordinal);

    public LeafCertificateCache(CertificateAuthority authority, TimeProvider time)
    {
        _authority = authority;
        _time = time;
    }

    public int Count => _entries.Count;

    public SslStreamCertificateContext GetOrCreate(CertificateIdentity identity)
    {
        var now = _time.GetUtcNow();
        while (true)
        {
            var lazy = _entries.GetOrAdd(identity.CacheKey, _ => new Lazy<Entry>(() => Mint(identity, now)));
            var entry = lazy.Value;
            if (entry.RenewAfter > now)
            {
                return entry.Context;
            }

            _entries.TryRemove(new KeyValuePair<string, Lazy<Entry>>(identity.CacheKey, lazy));
        }
    }

    /// <summary>The certificate a client will see for <paramref name="identity"/> (for tests and the CLI).</summary>
    public X509Certificate2 CertificateFor(CertificateIdentity identity) => GetOrCreate(identity).TargetCertificate;

    private Entry Mint(CertificateIdentity identity, DateTimeOffset now)
    {
        if (_entries.Count >= Capacity)
        {
            _entries.Clear();
        }

        var commonName = identity.CommonName.Length > 64 ? identity.CommonName[..64] : identity.CommonName;
        var subject = new X500DistinguishedNameBuilder();
        subject.AddOrganizationName("MitmFixture");
        subject.AddCommonName(commonName);
        var request = new CertificateRequest(subject.Build(), _leafKey, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        foreach (var dns in identity.DnsNames)
        {
            names.AddDnsName(dns);
        }

        foreach (var ip in identity.IpAddresses)
        {
            names.AddIpAddress(ip);
        }

        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyAgreement, critical: true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], critical: false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(_authority.Certificate, includeKeyIdentifier: true, includeIssuerAndSerial: false));

        var notAfter = now + Validity;
        if (notAfter > _authority.Certificate.NotAfter)
        {
            notAfter = _authority.Certificate.NotAfter;
        }

        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7F; // a positive serial number (RFC 5280 §4.1.2.2)
        using var signed = request.Create(_authority.Certificate, now.AddDays(-2), notAfter, serial);
        var leaf = signed.CopyWithPrivateKey(_leafKey);
        var context = SslStreamCertificateContext.Create(leaf, [_authority.Certificate], offline: true);
        return new Entry(context, notAfter.AddDays(-1));
    }

    public void Dispose()
    {
        _entries.Clear();
        _leafKey.Dispose();
    }

    private sealed record Entry(SslStreamCertificateContext Context, DateTimeOffset RenewAfter);
}
