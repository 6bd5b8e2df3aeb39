using System.Diagnostics;
using System.Text.RegularExpressions;
using MitmFixture.Proxy;
using MitmFixture.Tests.Proxy;
using MitmFixture.Tests.Support;

namespace MitmFixture.Tests.Readme;

/// <summary>
/// The README's code runs here: the body of <see cref="EmbeddingExampleAsync"/> between the snippet
/// markers must equal the README's C# block line for line, and the test runs it, HTTPS and all,
/// against a real server.
/// </summary>
public sealed partial class ReadmeExampleTests(UpstreamFixture fixture) : IClassFixture<UpstreamFixture>
{
    /// <summary>
    /// The sample uses the default CA folder (~/.mitmfixture), the machine's trusted roots and the
    /// console, all process-wide; so it runs in a child process (this assembly, <see cref="EntryPoint"/>)
    /// whose HOME is a temp folder and whose only trusted root is the test server's CA (OpenSSL's
    /// SSL_CERT_FILE, which .NET on Linux honours). The URL is the one thing the test changes: the
    /// README's https://example.com/ becomes the local HTTPS server's.
    /// </summary>
    [Fact]
    [Trait("Category", "Slow")]
    public async Task EmbeddingExample_AsWritten_InterceptsHttpsAndCreatesTheCaInTheHomeFolder()
    {
        var home = ChildEnvironment.CreateHome();
        try
        {
            var roots = Path.Combine(home, "roots.pem");
            await File.WriteAllTextAsync(roots, fixture.Upstream.Authority.ExportCertificatePem(), TestContext.Current.CancellationToken);
            var noRootsFolder = Directory.CreateDirectory(Path.Combine(home, "no-roots")).FullName;
            var url = $"{fixture.Upstream.HttpsUrl}/echo/readme";
            var start = new ProcessStartInfo("dotnet", [EntryPoint.AssemblyPath, EntryPoint.ReadmeEmbeddingExample, url])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            }.Isolate(home);
            start.Environment["SSL_CERT_FILE"] = roots;
            start.Environment["SSL_CERT_DIR"] = noRootsFolder;

            using var child = Process.Start(start)!;
            var output = child.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
            var error = child.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(60));
            await child.WaitForExitAsync(timeout.Token);

            Assert.True(child.ExitCode == 0, await error);
            Assert.Equal($"GET {url} -> 200", (await output).Trim());
            Assert.True(File.Exists(Path.Combine(home, ".mitmfixture", "mitmfixture-ca-cert.pem")), "the CA was not created in the child's ~/.mitmfixture");
        }
        finally
        {
            ChildEnvironment.DeleteHome(home);
        }
    }

    [Fact]
    public void EmbeddingExample_MatchesTheReadme()
    {
        var root = FindRepositoryRoot();
        var readme = File.ReadAllText(Path.Combine(root, "README.md"));
        var block = ReadmeBlock().Match(readme).Groups[1].Value;
        var source = File.ReadAllText(Path.Combine(root, "tests", "MitmFixture.Tests", "Readme", "ReadmeExampleTests.cs"));
        var snippet = SnippetRegion().Match(source).Groups[1].Value;

        Assert.Contains("var url = \"https://", block, StringComparison.Ordinal); // the run above replaces it with an HTTPS URL too
        var expected = Normalize(block.Replace("var url = \"https://example.com/\";\n", "", StringComparison.Ordinal).Replace("using MitmFixture.Proxy;\n", "", StringComparison.Ordinal));
        Assert.NotEmpty(expected);
        Assert.Equal(expected, Normalize(snippet));
    }

    /// <summary>
    /// Every C# block of the README that uses the fixture is a whole file of the sample project, byte
    /// for byte, and every file there is in the README: the sample project compiles them with all
    /// analyzers on (no xUnit1051 suppression) and runs them, so the README's fixture code compiles as written.
    /// </summary>
    [Fact]
    public void FixtureExamples_AreTheSampleProjectsFilesByteForByte()
    {
        var root = FindRepositoryRoot();
        var readme = File.ReadAllText(Path.Combine(root, "README.md")).ReplaceLineEndings("\n");
        var blocks = CSharpBlock().Matches(readme).Select(m => m.Groups[1].Value).Where(b => b.Contains("MitmFixture.Xunit", StringComparison.Ordinal)).ToList();
        var files = Directory.GetFiles(Path.Combine(root, "tests", "MitmFixture.Sample.Tests"), "*.cs")
            .ToDictionary(f => Path.GetFileName(f), f => File.ReadAllText(f).ReplaceLineEndings("\n"), StringComparer.Ordinal);

        Assert.NotEmpty(blocks);
        foreach (var block in blocks)
        {
            Assert.True(files.ContainsValue(block), $"this README block is not a file of tests/MitmFixture.Sample.Tests (copy it there, or fix it):\n{block}");
        }

        foreach (var (name, text) in files)
        {
            Assert.True(blocks.Contains(text), $"tests/MitmFixture.Sample.Tests/{name} is not in the README's fixture section");
        }
    }

    /// <summary>The README sample; run only in a child process (see above), since it writes to the console and the home folder.</summary>
    internal static async Task EmbeddingExampleAsync(string url)
    {
        // begin-snippet: embedding
        await using var proxy = await ProxyServer.StartAsync(new ProxyOptions { ListenPort = 0 });
        using var client = new HttpClient(new SocketsHttpHandler
        {
            Proxy = new System.Net.WebProxy(proxy.Url),
            SslOptions = { RemoteCertificateValidationCallback = proxy.CertificateAuthority.CreateValidationCallback() },
        });
        var body = await client.GetStringAsync(url);
        foreach (var flow in proxy.Flows.Snapshot())
        {
            Console.WriteLine($"{flow.Request.Method} {flow.Request.Url} -> {flow.Response?.StatusCode}");
        }

        // end-snippet
        if (!body.StartsWith("GET /echo/readme", StringComparison.Ordinal))
        {
            throw new InvalidOperationException("unexpected body: " + body);
        }
    }

    private static string Normalize(string code) =>
        string.Join('\n', code.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0));

    internal static string FindRepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "MitmFixture.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("MitmFixture.sln not found");
    }

    [GeneratedRegex("## Embedding the engine\\s+```csharp\\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex ReadmeBlock();

    [GeneratedRegex("```csharp\\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex CSharpBlock();

    [GeneratedRegex("// begin-snippet: embedding\\n(.*?)// end-snippet", RegexOptions.Singleline)]
    private static partial Regex SnippetRegion();
}
