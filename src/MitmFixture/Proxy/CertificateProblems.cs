using System.Globalization;
using System.Security.Cryptography.X509Certificates;

namespace MitmFixture.Proxy;

/// <summary>
/// Puts a refused server certificate into words for the flow's error and the 502 body: self-signed,
/// expired, not yet valid, revoked, issued by an untrusted CA, or made out for another name.
/// </summary>
internal static class CertificateProblems
{
    public static string NameMismatch(X509Certificate2 certificate, string host)
    {
        var names = new List<string>();
        foreach (var extension in certificate.Extensions)
        {
            if (extension is X509SubjectAlternativeNameExtension san)
            {
                names.AddRange(san.EnumerateDnsNames());
                names.AddRange(san.EnumerateIPAddresses().Select(ip => ip.ToString()));
            }
        }

        if (names.Count == 0 && certificate.GetNameInfo(X509NameType.SimpleName, forIssuer: false) is { Length: > 0 } commonName)
        {
            names.Add(commonName);
        }

        var listed = names.Count == 0 ? "no names" : string.Join(", ", names.Take(10)) + (names.Count > 10 ? ", ..." : "");
        return $"the server's certificate does not match '{host}' (name mismatch; it is for {listed})";
    }

    public static string Describe(X509Certificate2 certificate, X509Chain? chain, DateTimeOffset now)
    {
        var flags = X509ChainStatusFlags.NoError;
        foreach (var status in chain?.ChainStatus ?? [])
        {
            flags |= status.Status;
        }

        var problems = new List<string>();
        var selfSigned = certificate.SubjectName.RawData.AsSpan().SequenceEqual(certificate.IssuerName.RawData);
        if (now > certificate.NotAfter.ToUniversalTime())
        {
            problems.Add($"expired on {certificate.NotAfter.ToUniversalTime().ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture)} UTC");
        }
        else if (now < certificate.NotBefore.ToUniversalTime())
        {
            problems.Add($"not valid before {certificate.NotBefore.ToUniversalTime().ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture)} UTC");
        }
        else if (flags.HasFlag(X509ChainStatusFlags.NotTimeValid))
        {
            problems.Add("a certificate in its chain is outside its validity period (expired)");
        }

        if (flags.HasFlag(X509ChainStatusFlags.Revoked))
        {
            problems.Add("revoked");
        }

        if (selfSigned)
        {
            problems.Add($"self-signed ('{certificate.Subject}') and not trusted");
        }
        else if (flags.HasFlag(X509ChainStatusFlags.UntrustedRoot))
        {
            var root = chain!.ChainElements[^1].Certificate; // UntrustedRoot means the chain reached a root
            problems.Add($"issued under the untrusted root '{root.Subject}'");
        }
        else if (flags.HasFlag(X509ChainStatusFlags.PartialChain))
        {
            problems.Add($"issued by '{certificate.Issuer}', which is not a trusted root (untrusted root or incomplete chain)");
        }

        var rest = flags & ~(X509ChainStatusFlags.NotTimeValid | X509ChainStatusFlags.Revoked | X509ChainStatusFlags.UntrustedRoot | X509ChainStatusFlags.PartialChain);
        if (rest != X509ChainStatusFlags.NoError)
        {
            problems.Add($"chain problems: {rest}");
        }

        if (problems.Count == 0)
        {
            problems.Add("not trusted");
        }

        return $"the server's certificate is {string.Join("; ", problems)}";
    }
}
