using System.Globalization;
using System.Net;
using MitmFixture.Tests.Proxy;
using MitmFixture.Tests.Support;

namespace MitmFixture.Tests.Cli;

/// <summary>
/// The CLI runs its sockets on half the cores' worth of engine threads (at least one) unless the
/// user exported DOTNET_SYSTEM_NET_SOCKETS_THREAD_COUNT (bench/RESULTS.md, "Socket engine threads").
/// Counted from outside, as the kernel sees the process: threads named ".NET Sockets".
/// </summary>
[Trait("Category", "Slow")] // each test starts the CLI as a process
public sealed class SocketEngineThreadTests(UpstreamFixture fixture) : IClassFixture<UpstreamFixture>, IDisposable
{
    private readonly string _confdir = Directory.CreateTempSubdirectory("mitmfixture-cli-").FullName;

    [Fact]
    public async Task Dump_RunsHalfTheCoresAsSocketEngineThreads()
    {
        var engines = await EngineThreadsAfterOneRequestAsync(new Dictionary<string, string>());

        Assert.Equal(Math.Max(1, Environment.ProcessorCount / 2), engines);
    }

    [Fact]
    public async Task Dump_KeepsTheThreadCountTheUserExported()
    {
        var engines = await EngineThreadsAfterOneRequestAsync(new Dictionary<string, string> { ["DOTNET_SYSTEM_NET_SOCKETS_THREAD_COUNT"] = "3" });

        Assert.Equal(3, engines);
    }

    public void Dispose() => Directory.Delete(_confdir, recursive: true);

    private async Task<int> EngineThreadsAfterOneRequestAsync(Dictionary<string, string> environment)
    {
        await using var cli = CliProcess.Start(environment, "dump", "--listen", "127.0.0.1:0", "--set", $"confdir={_confdir}");
        var url = await cli.WaitListeningAsync();
        using var client = new HttpClient(new HttpClientHandler { Proxy = new WebProxy(url), UseProxy = true });
        await client.GetStringAsync($"{fixture.Upstream.HttpUrl}/echo/engines", TestContext.Current.CancellationToken);

        return Directory.GetDirectories($"/proc/{cli.Id.ToString(CultureInfo.InvariantCulture)}/task")
            .Count(task => File.ReadAllText(Path.Combine(task, "comm")).Trim() == ".NET Sockets");
    }
}
