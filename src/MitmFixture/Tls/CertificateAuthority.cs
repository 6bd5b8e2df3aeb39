using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace MitmFixture.Tls;

/// <summary>
/// The certificate authority that signs interception certificates. Stored in a directory
/// (default <c>~/.mitmfixture</c>) as mitmproxy stores its own:
/// <list type="bullet">
/// <item><c>mitmfixture-ca.pem</c>: private key and certificate, readable by the owner only;</item>
/// <item><c>mitmfixture-ca-cert.pem</c> and <c>mitmfixture-ca-cert.cer</c>: the certificate alone,
/// PEM and DER, to install in clients' trust stores.</item>
/// </list>
/// </summary>
public sealed class CertificateAuthority : IDisposable
{
    /// <summary>The file in the CA folder holding the CA key and certificate (PEM).</summary>
    public const string KeyFileName = "mitmfixture-ca.pem";
    /// <summary>The file in the CA folder holding the CA certificate (PEM), for clients to trust.</summary>
    public const string CertificatePemFileName = "mitmfixture-ca-cert.pem";
    /// <summary>The file in the CA folder holding the CA certificate (DER), for clients to trust.</summary>
    public const string CertificateDerFileName = "mitmfixture-ca-cert.cer";
    /// <summary>The CA certificate's common name unless another is given.</summary>
    public const string DefaultCommonName = "MitmFixture CA";

    private CertificateAuthority(X509Certificate2 certificate, string? directory)
    {
        Certificate = certificate;
        Directory = directory;
    }

    /// <summary>The CA certificate, with its private key.</summary>
    public X509Certificate2 Certificate { get; }

    /// <summary>Where the CA is stored; null for an ephemeral one.</summary>
    public string? Directory { get; }

    /// <summary>The CA certificate as PEM text.</summary>
    public string CertificatePem => Certificate.ExportCertificatePem();

    /// <summary>The CA certificate as DER bytes.</summary>
    public byte[] CertificateDer => Certificate.Export(X509ContentType.Cert);

    /// <summary>The default directory: <c>~/.mitmfixture</c>.</summary>
    public static string DefaultDirectory =>
        Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".mitmfixture");

    /// <summary>Loads the CA from <paramref name="directory"/>, creating and saving a new one when there is none.</summary>
    public static CertificateAuthority LoadOrCreate(string? directory = null, TimeProvider? time = null)
    {
        directory ??= DefaultDirectory;
        var keyFile = Path.Combine(directory, KeyFileName);
        if (Path.Exists(keyFile))
        {
            return Load(directory); // whatever is there is the user's CA: a broken one is reported, never silently replaced
        }

        // Test projects run in parallel, each creating the CA in the same fresh folder: one creates it
        // under the lock, the others then load what it wrote, so all sign with the CA on disk.
        try
        {
            System.IO.Directory.CreateDirectory(directory);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            throw new InvalidDataException($"the CA folder (confdir) '{directory}' cannot be created: {e.Message}", e);
        }

        using (CreationLock(directory))
        {
            if (Path.Exists(keyFile))
            {
                return Load(directory);
            }

            var created = new CertificateAuthority(Generate(DefaultCommonName, time ?? TimeProvider.System), directory);
            created.Save();
            return created;
        }
    }

    /// <summary>An exclusive lock on the folder's <c>.mitmfixture-ca.lock</c> (FileShare.None is a cross-process lock on every platform .NET runs on).</summary>
    private static FileStream CreationLock(string directory)
    {
        var path = Path.Combine(directory, ".mitmfixture-ca.lock");
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (attempt < 600)
            {
                Thread.Sleep(50); // creating a CA takes milliseconds
            }
            catch (IOException e)
            {
                throw new IOException($"{path}: another process has held the CA creation lock for 30 s (a mitmfixture stuck creating the CA in this folder): {e.Message}", e);
            }
        }
    }

    /// <summary>A key file holds a few kilobytes; more, or a pipe or a device (length 0 here), is not one.</summary>
    private const long MaxPemBytes = 1024 * 1024;

    /// <summary>The PEM text of <paramref name="path"/>, refusing before it is opened what would block the reader (a pipe) or fill memory (a device).</summary>
    private static string ReadPem(string path)
    {
        var info = new FileInfo(path);
        if (info.LinkTarget is not null && info.ResolveLinkTarget(returnFinalTarget: true) is FileInfo target)
        {
            info = target;
        }

        if (info.Exists && info.Length is 0 or > MaxPemBytes)
        {
            throw new InvalidDataException(info.Length == 0 ? "the file is empty, or not a regular file (a pipe or a device)" : $"the file is {info.Length} bytes, more than a key file holds");
        }

        return File.ReadAllText(info.FullName);
    }

    /// <summary>
    /// Loads the CA saved in <paramref name="directory"/>. A file that is truncated, not PEM, without
    /// its key or unreadable throws an <see cref="InvalidDataException"/> with one message for all of
    /// them: the file, what it should hold, the way out, and the cause, on one line.
    /// </summary>
    public static CertificateAuthority Load(string directory)
    {
        var keyFile = Path.Combine(directory, KeyFileName);
        try
        {
            var pem = ReadPem(keyFile);
            var certificate = X509Certificate2.CreateFromPem(pem, pem);
            if (!certificate.HasPrivateKey)
            {
                throw new InvalidDataException("no private key");
            }

            return new CertificateAuthority(certificate, directory);
        }
        catch (Exception e) when (e is CryptographicException or ArgumentException or InvalidDataException or IOException or UnauthorizedAccessException)
        {
            throw new InvalidDataException(
                $"{keyFile}: expected a PEM certificate and its private key (run 'mitmfixture ca regenerate' to replace it): {e.Message.ReplaceLineEndings(" ")}", e);
        }
    }

    /// <summary>Replaces the CA in <paramref name="directory"/> with a new one. Clients must trust the new certificate.</summary>
    public static CertificateAuthority Regenerate(string? directory = null, TimeProvider? time = null)
    {
        var created = new CertificateAuthority(Generate(DefaultCommonName, time ?? TimeProvider.System), directory ?? DefaultDirectory);
        created.Save();
        return created;
    }

    /// <summary>A CA that lives in memory only, for tests that must not touch the user's files.</summary>
    public static CertificateAuthority CreateEphemeral(string commonName = DefaultCommonName, TimeProvider? time = null) =>
        new(Generate(commonName, time ?? TimeProvider.System), directory: null);

    /// <summary>
    /// A server-certificate check for clients of the proxy (HttpClient, ClientWebSocket) that trusts
    /// this CA only, besides the host name check the platform already did.
    /// </summary>
    public RemoteCertificateValidationCallback CreateValidationCallback() =>
        (_, certificate, chain, errors) => IsTrusted(certificate, chain, errors);

    /// <summary>The same check as <see cref="CreateValidationCallback"/>, for HttpClientHandler's callback shape.</summary>
    public bool IsTrusted(X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (certificate is null || errors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch) || errors.HasFlag(SslPolicyErrors.RemoteCertificateNotAvailable))
        {
            return false;
        }

        using var custom = new X509Chain();
        custom.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        custom.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        custom.ChainPolicy.CustomTrustStore.Add(Certificate);
        return custom.Build(certificate as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(certificate.GetRawCertData()));
    }

    private void Save()
    {
        var directory = Directory!; // only called on stored authorities
        System.IO.Directory.CreateDirectory(directory);
        using var key = Certificate.GetECDsaPrivateKey();
        var keyPem = key!.ExportPkcs8PrivateKeyPem() + "\n" + CertificatePem + "\n"; // Generate always makes an ECDSA key
        WriteAtomically(Path.Combine(directory, KeyFileName), keyPem, ownerOnly: true);
        WriteAtomically(Path.Combine(directory, CertificatePemFileName), CertificatePem + "\n", ownerOnly: false);
        var derFile = Path.Combine(directory, CertificateDerFileName);
        var derTemporary = TemporaryFor(derFile);
        File.WriteAllBytes(derTemporary, CertificateDer);
        File.Move(derTemporary, derFile, overwrite: true);
    }

    private static void WriteAtomically(string path, string content, bool ownerOnly)
    {
        var temporary = TemporaryFor(path);
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (ownerOnly && !OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var stream = new FileStream(temporary, options))
        using (var writer = new StreamWriter(stream))
        {
            writer.Write(content);
        }

        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>A temporary name of this writer's own, so two writers (regenerate beside a creation) never share one.</summary>
    private static string TemporaryFor(string path) => $"{path}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp";

    private static X509Certificate2 Generate(string commonName, TimeProvider time)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var subject = new X500DistinguishedName($"CN={commonName}, O=MitmFixture");
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: true, hasPathLengthConstraint: true, pathLengthConstraint: 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign | X509KeyUsageFlags.DigitalSignature, critical: true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, critical: false));
        var now = time.GetUtcNow();

        // Backdated two days like mitmproxy's CA, so clients with a slow clock still accept it.
        return request.CreateSelfSigned(now.AddDays(-2), now.AddYears(10));
    }

    /// <inheritdoc/>
    public void Dispose() => Certificate.Dispose();
}
