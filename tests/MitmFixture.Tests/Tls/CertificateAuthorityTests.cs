using System.Net;
using System.Security.Cryptography.X509Certificates;
using MitmFixture.Tests.Support;
using MitmFixture.Tls;

namespace MitmFixture.Tests.Tls;

public sealed class CertificateAuthorityTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("mitmfixture-ca-").FullName;

    [Fact]
    public void LoadOrCreate_FirstUse_WritesKeyOwnerOnlyAndPublicCertificates()
    {
        using var ca = CertificateAuthority.LoadOrCreate(_directory);

        var keyFile = Path.Combine(_directory, CertificateAuthority.KeyFileName);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(keyFile));
        }

        Assert.Contains("PRIVATE KEY", File.ReadAllText(keyFile), StringComparison.Ordinal);
        Assert.DoesNotContain("PRIVATE KEY", File.ReadAllText(Path.Combine(_directory, CertificateAuthority.CertificatePemFileName)), StringComparison.Ordinal);
        Assert.Equal(ca.CertificateDer, File.ReadAllBytes(Path.Combine(_directory, CertificateAuthority.CertificateDerFileName)));
        Assert.True(ca.Certificate.HasPrivateKey);
    }

    [Fact]
    public async Task LoadOrCreate_ManyAtOnceInAFreshFolder_AllGetTheOneCaOnDisk()
    {
        // Test projects run in parallel, each fixture creating the CA in the same fresh confdir.
        using var start = new Barrier(8);
        var created = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() =>
        {
            start.SignalAndWait(TestContext.Current.CancellationToken);
            return CertificateAuthority.LoadOrCreate(_directory);
        }, TestContext.Current.CancellationToken)));

        using var onDisk = CertificateAuthority.Load(_directory);
        Assert.Equal(8, created.Length);
        Assert.All(created, ca => Assert.Equal(onDisk.Certificate.Thumbprint, ca.Certificate.Thumbprint));
        Assert.Equal(onDisk.CertificatePem + "\n", File.ReadAllText(Path.Combine(_directory, CertificateAuthority.CertificatePemFileName)));
        Assert.Equal(onDisk.CertificateDer, File.ReadAllBytes(Path.Combine(_directory, CertificateAuthority.CertificateDerFileName)));
        Assert.DoesNotContain(Directory.GetFiles(_directory), f => f.EndsWith(".tmp", StringComparison.Ordinal));
        foreach (var ca in created)
        {
            ca.Dispose();
        }
    }

    [Fact]
    public void LoadOrCreate_SecondUse_LoadsTheSameCa()
    {
        string thumbprint;
        using (var first = CertificateAuthority.LoadOrCreate(_directory))
        {
            thumbprint = first.Certificate.Thumbprint;
        }

        using var second = CertificateAuthority.LoadOrCreate(_directory);

        Assert.Equal(thumbprint, second.Certificate.Thumbprint);
    }

    [Fact]
    public void Regenerate_ReplacesTheCa()
    {
        using var first = CertificateAuthority.LoadOrCreate(_directory);
        using var second = CertificateAuthority.Regenerate(_directory);
        using var loaded = CertificateAuthority.Load(_directory);

        Assert.NotEqual(first.Certificate.Thumbprint, second.Certificate.Thumbprint);
        Assert.Equal(second.Certificate.Thumbprint, loaded.Certificate.Thumbprint);
    }

    [Fact]
    public void Load_CorruptKeyFile_NamesTheFileAndTheFix()
    {
        File.WriteAllText(Path.Combine(_directory, CertificateAuthority.KeyFileName), "not a pem");

        var error = Assert.Throws<InvalidDataException>(() => CertificateAuthority.Load(_directory));

        Assert.Contains(CertificateAuthority.KeyFileName, error.Message, StringComparison.Ordinal);
        Assert.Contains("mitmfixture ca regenerate", error.Message, StringComparison.Ordinal);
    }

    // A pipe would block the reader for ever and a device fill memory: both are refused before they are opened.
    [Theory]
    [InlineData("fifo")]
    [InlineData("zero")]
    public async Task Load_KeyFileThatIsAPipeOrADevice_IsRefusedAtOnce(string kind)
    {
        await SpecialFiles.CreateAsync(kind, Path.Combine(_directory, CertificateAuthority.KeyFileName));

        var load = Task.Run(() => CertificateAuthority.Load(_directory), TestContext.Current.CancellationToken);
        var error = await Assert.ThrowsAsync<InvalidDataException>(() => load.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken));

        Assert.Contains("not a regular file (a pipe or a device)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Leaf_ForHost_IsSignedByTheCaAndNamesTheHost()
    {
        using var ca = CertificateAuthority.CreateEphemeral();
        using var cache = new LeafCertificateCache(ca, TimeProvider.System);

        var leaf = cache.CertificateFor(CertificateIdentity.ForHost("api.example.com"));

        Assert.Equal(ca.Certificate.Subject, leaf.Issuer);
        Assert.True(ca.IsTrusted(leaf, null, System.Net.Security.SslPolicyErrors.None));
        Assert.Equal(["api.example.com"], leaf.Extensions.OfType<X509SubjectAlternativeNameExtension>().Single().EnumerateDnsNames());
        Assert.True(leaf.NotAfter - leaf.NotBefore <= TimeSpan.FromDays(398));
    }

    [Fact]
    public void Leaf_ForIpAddress_HasAnIpAlternativeName()
    {
        using var ca = CertificateAuthority.CreateEphemeral();
        using var cache = new LeafCertificateCache(ca, TimeProvider.System);

        var leaf = cache.CertificateFor(CertificateIdentity.ForHost("10.1.2.3"));

        Assert.Equal([IPAddress.Parse("10.1.2.3")], leaf.Extensions.OfType<X509SubjectAlternativeNameExtension>().Single().EnumerateIPAddresses());
    }

    [Fact]
    public void Leaves_ShareOneKeyAndAreCachedPerIdentity()
    {
        using var ca = CertificateAuthority.CreateEphemeral();
        using var cache = new LeafCertificateCache(ca, TimeProvider.System);

        var a = cache.CertificateFor(CertificateIdentity.ForHost("a.test"));
        var again = cache.CertificateFor(CertificateIdentity.ForHost("A.TEST."));
        var b = cache.CertificateFor(CertificateIdentity.ForHost("b.test"));

        Assert.Same(a, again);
        Assert.NotEqual(a.Thumbprint, b.Thumbprint);
        Assert.Equal(a.PublicKey.EncodedKeyValue.RawData, b.PublicKey.EncodedKeyValue.RawData);
        Assert.Equal(2, cache.Count);
    }

    [Fact]
    public void Leaf_NearExpiry_IsMintedAgain()
    {
        var time = new ManualTime(DateTimeOffset.UtcNow);
        using var ca = CertificateAuthority.CreateEphemeral(time: time);
        using var cache = new LeafCertificateCache(ca, time);
        var first = cache.CertificateFor(CertificateIdentity.ForHost("a.test"));

        time.Now = time.Now.AddDays(365);
        var renewed = cache.CertificateFor(CertificateIdentity.ForHost("a.test"));

        Assert.NotEqual(first.Thumbprint, renewed.Thumbprint);
        Assert.True(renewed.NotAfter > first.NotAfter);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private sealed class ManualTime(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;

        public override DateTimeOffset GetUtcNow() => Now;
    }
}
