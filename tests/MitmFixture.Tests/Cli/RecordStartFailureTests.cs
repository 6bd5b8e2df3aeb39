using System.Net;
using System.Net.Sockets;
using MitmFixture.Cassettes;
using MitmFixture.Tests.Support;

namespace MitmFixture.Tests.Cli;

/// <summary>
/// A recording proxy that cannot start (its listen port is taken) records nothing, so it must not
/// replace the cassette it was told to write: <c>record</c> (with or without <c>--append</c>) and
/// <c>dump -w</c> leave it byte for byte, exit 1, and say which address could not be listened on.
/// </summary>
public sealed class RecordStartFailureTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private readonly string _directory = Directory.CreateTempSubdirectory("mitmfixture-cli-taken-").FullName;

    [Theory]
    [InlineData("record", "-o")]
    [InlineData("record", "--append", "-o")]
    [InlineData("dump", "-w")]
    public async Task ListenPortTaken_LeavesTheCassetteUntouched_AndExitsOneNamingThePort(params string[] command)
    {
        var cassette = Path.Combine(_directory, "kept.json");
        Cassette.Save(cassette, [TestFlows.Get("https://api.example.com/users/1").Respond(200, "recorded before")]);
        var before = await File.ReadAllBytesAsync(cassette, TestContext.Current.CancellationToken);
        using var taken = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        taken.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        taken.Listen();
        var port = ((IPEndPoint)taken.LocalEndPoint!).Port; // bound above

        await using var cli = CliProcess.Start([.. command, cassette, "--listen", $"127.0.0.1:{port}", "--set", $"confdir={_directory}"]);

        Assert.Equal(1, await cli.WaitForExitAsync(Timeout));
        Assert.Contains($"cannot listen on 127.0.0.1:{port}", cli.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", cli.Stderr, StringComparison.Ordinal);
        Assert.Equal(before, await File.ReadAllBytesAsync(cassette, TestContext.Current.CancellationToken));
        Assert.Equal([cassette], Directory.GetFiles(_directory, "*.json"));
        Assert.Empty(Directory.GetFiles(_directory, "*.tmp"));
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
