using MitmFixture.Tests.Support;
using MitmFixture.Tls;

namespace MitmFixture.Tests.Cli;

/// <summary>A CA file that is truncated or unreadable: every command says the same one line and exits 1; the CA is never silently replaced.</summary>
[Trait("Category", "Slow")] // each test starts the CLI as a process
public sealed class BrokenCaCommandTests : IDisposable
{
    private readonly string _confdir = Directory.CreateTempSubdirectory("mitmfixture-broken-ca-").FullName;

    private string KeyFile => Path.Combine(_confdir, CertificateAuthority.KeyFileName);

    [Fact]
    public async Task EveryCommand_TruncatedCa_SameOneLineError()
    {
        using (CertificateAuthority.LoadOrCreate(_confdir))
        {
        }

        var pem = await File.ReadAllTextAsync(KeyFile, TestContext.Current.CancellationToken);
        await File.WriteAllTextAsync(KeyFile, pem[..(pem.Length / 2)], TestContext.Current.CancellationToken); // a write cut off half way
        var cassette = Path.Combine(_confdir, "valid.json");
        await File.WriteAllTextAsync(cassette, HostileCassettes.Valid(), TestContext.Current.CancellationToken);
        var recorded = Path.Combine(_confdir, "rec.json");
        await File.WriteAllTextAsync(recorded, HostileCassettes.Valid(), TestContext.Current.CancellationToken);
        var set = $"confdir={_confdir}";
        string[][] commands =
        [
            ["ca", "path", "--confdir", _confdir],
            ["ca", "export", "--confdir", _confdir],
            ["ca", "export", "--der", "-o", Path.Combine(_confdir, "out.cer"), "--confdir", _confdir],
            ["dump", "--listen", "127.0.0.1:0", "--set", set],
            ["record", "-o", recorded, "--listen", "127.0.0.1:0", "--set", set],
            ["replay", cassette, "--listen", "127.0.0.1:0", "--set", set],
            ["replay", cassette, "--fetch", "http://127.0.0.1:8080/ok", "--set", set],
            ["client-replay", cassette, "--set", set],
        ];

        var results = await Task.WhenAll(commands.Select(async arguments =>
        {
            await using var cli = CliProcess.Start(arguments);
            var code = await cli.WaitForExitAsync(TimeSpan.FromSeconds(60));
            return (Command: string.Join(' ', arguments[..2]), Code: code, cli.Stderr);
        }));

        var expected = $"error: {KeyFile}: expected a PEM certificate and its private key (run 'mitmfixture ca regenerate' to replace it): ";
        foreach (var (command, code, stderr) in results)
        {
            Assert.True(code == 1, $"{command}: exit {code}: {stderr}");
            var line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.StartsWith(expected, line, StringComparison.Ordinal);
        }

        Assert.Single(results.Select(r => r.Stderr).Distinct()); // the same words from every command
        Assert.Equal(HostileCassettes.Valid(), await File.ReadAllTextAsync(recorded, TestContext.Current.CancellationToken)); // record did not empty it
        Assert.Equal(pem[..(pem.Length / 2)], await File.ReadAllTextAsync(KeyFile, TestContext.Current.CancellationToken)); // not replaced
    }

    [Theory]
    [InlineData("empty")]
    [InlineData("garbage")]
    [InlineData("certificate without key")]
    [InlineData("unreadable")]
    public void LoadOrCreate_BrokenCa_OneLineErrorNamingTheFileAndTheFix(string how)
    {
        string certificatePem;
        using (var ca = CertificateAuthority.LoadOrCreate(_confdir))
        {
            certificatePem = ca.CertificatePem;
        }

        switch (how)
        {
            case "empty": File.WriteAllText(KeyFile, ""); break;
            case "garbage": File.WriteAllBytes(KeyFile, [0xff, 0x00, 0x13, 0x37]); break;
            case "certificate without key": File.WriteAllText(KeyFile, certificatePem); break;
            case "unreadable":
                // Root reads any file whatever its mode, so the file becomes something no one can read as a file.
                File.Delete(KeyFile);
                Directory.CreateDirectory(KeyFile);
                break;
        }

        var error = Assert.Throws<InvalidDataException>(() => CertificateAuthority.LoadOrCreate(_confdir));

        Assert.StartsWith($"{KeyFile}: expected a PEM certificate and its private key (run 'mitmfixture ca regenerate' to replace it): ", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error.Message);
    }

    public void Dispose() => Directory.Delete(_confdir, recursive: true);
}
