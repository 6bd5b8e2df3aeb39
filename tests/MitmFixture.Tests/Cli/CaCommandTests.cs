using System.Security.Cryptography.X509Certificates;
using MitmFixture.Tests.Support;

namespace MitmFixture.Tests.Cli;

[Trait("Category", "Slow")] // each test starts the CLI as a process
public sealed class CaCommandTests : IDisposable
{
    private readonly string _confdir = Directory.CreateTempSubdirectory("mitmfixture-ca-cli-").FullName;

    [Fact]
    public async Task Path_CreatesTheCaAndPrintsTheCertificatePath()
    {
        await using var cli = CliProcess.Start("ca", "path", "--confdir", _confdir);

        Assert.Equal(0, await cli.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal(Path.Combine(_confdir, "mitmfixture-ca-cert.pem"), Assert.Single(cli.Lines));
    }

    [Fact]
    public async Task Export_PemAndDer_AreTheSameCertificateWithoutTheKey()
    {
        var pem = Path.Combine(_confdir, "out.pem");
        var der = Path.Combine(_confdir, "out.cer");
        await using (var a = CliProcess.Start("ca", "export", "--confdir", _confdir, "-o", pem))
        {
            Assert.Equal(0, await a.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        }

        await using (var b = CliProcess.Start("ca", "export", "--confdir", _confdir, "--der", "-o", der))
        {
            Assert.Equal(0, await b.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        }

        Assert.DoesNotContain("PRIVATE KEY", File.ReadAllText(pem), StringComparison.Ordinal);
        using var fromPem = X509Certificate2.CreateFromPem(File.ReadAllText(pem));
        using var fromDer = X509CertificateLoader.LoadCertificate(File.ReadAllBytes(der));
        Assert.Equal(fromPem.Thumbprint, fromDer.Thumbprint);
    }

    [Fact]
    public async Task Regenerate_ChangesTheCertificate()
    {
        await using (var first = CliProcess.Start("ca", "path", "--confdir", _confdir))
        {
            await first.WaitForExitAsync(TimeSpan.FromSeconds(30));
        }

        var before = File.ReadAllText(Path.Combine(_confdir, "mitmfixture-ca-cert.pem"));
        await using var cli = CliProcess.Start("ca", "regenerate", "--confdir", _confdir);

        Assert.Equal(0, await cli.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.NotEqual(before, File.ReadAllText(Path.Combine(_confdir, "mitmfixture-ca-cert.pem")));
    }

    public void Dispose() => Directory.Delete(_confdir, recursive: true);
}
