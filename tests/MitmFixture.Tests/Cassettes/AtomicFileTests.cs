using System.Diagnostics;
using MitmFixture.Cassettes;
using MitmFixture.Flows;
using MitmFixture.Http;
using MitmFixture.Tests.Support;
using MitmFixture.Xunit;
using MitmFixture.Xunit.Session;

namespace MitmFixture.Tests.Cassettes;

/// <summary>
/// Hidden temp files of writers killed mid-write (<c>.NAME.json.PID.GUID.tmp</c>) are removed by the
/// next write of that cassette, the next recording or fixture run in the folder; a live writer's stay.
/// </summary>
public sealed class AtomicFileTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("mitmfixture-atomic-").FullName;

    [Fact]
    public async Task Write_TempOfDeadWriter_RemovedByNextWriteOfThatCassette()
    {
        var stale = Temporary("mine.json", await DeadPidAsync());

        Cassette.Save(Path.Combine(_directory, "mine.json"), []);

        Assert.False(File.Exists(stale));
        Assert.Equal(["mine.json"], Directory.GetFiles(_directory).Select(Path.GetFileName));
    }

    // Every writer goes through AtomicFile: a link to a link to a cassette is written through to the
    // cassette (the temp file beside it, so the rename stays on its file system), both links kept.
    [Fact]
    public void Write_ThroughAChainOfRelativeLinks_ReplacesTheTargetAndKeepsTheLinks()
    {
        var shared = Directory.CreateDirectory(Path.Combine(_directory, "shared")).FullName;
        var project = Directory.CreateDirectory(Path.Combine(_directory, "project")).FullName;
        var target = Path.Combine(shared, "users.json");
        Cassette.Save(target, []);
        var first = Path.Combine(shared, "current.json");
        File.CreateSymbolicLink(first, "users.json");
        var second = Path.Combine(project, "users.json");
        File.CreateSymbolicLink(second, Path.Combine("..", "shared", "current.json"));
        var flow = new Flow(HttpRequest.Create("GET", "http://example.com/users")) { Response = HttpResponse.Create(200, "ok") };

        Cassette.Save(second, [flow]);

        Assert.Equal("users.json", new FileInfo(first).LinkTarget);
        Assert.Equal(Path.Combine("..", "shared", "current.json"), new FileInfo(second).LinkTarget);
        Assert.Equal("/users", Assert.Single(Cassette.Load(target).Flows).Request.Path);
        Assert.Equal(["users.json"], Directory.GetFileSystemEntries(project).Select(Path.GetFileName));
        Assert.Equal(["current.json", "users.json"], Directory.GetFileSystemEntries(shared).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    // A link whose file does not exist yet (a cassette not recorded yet) gets that file, not a copy in its place.
    [Fact]
    public void Write_DanglingLink_CreatesTheFileItNames()
    {
        var link = Path.Combine(_directory, "new.json");
        File.CreateSymbolicLink(link, "recorded.json");

        Cassette.Save(link, []);

        Assert.Equal("recorded.json", new FileInfo(link).LinkTarget);
        Assert.Empty(Cassette.Load(Path.Combine(_directory, "recorded.json")).Flows);
    }

    [Fact]
    public async Task RemoveStaleTemporaries_OnlyDeadOrAbandonedTempsOfThisPattern()
    {
        var dead = Temporary("a.json", await DeadPidAsync());
        var own = Temporary("b.json", Environment.ProcessId);
        using var sleeper = Process.Start("sleep", "30");
        var otherLive = Temporary("c.json", sleeper.Id);
        var abandoned = Temporary("d.json", sleeper.Id);
        File.SetLastWriteTimeUtc(abandoned, DateTime.UtcNow.AddHours(-2)); // PID reused long after its writer died
        var unrelated = (string[])[".notes.tmp", ".x.json.123.nothex.tmp", "x.json.1.0123456789abcdef0123456789abcdef.tmp", ".keep.json"];
        foreach (var name in unrelated)
        {
            File.WriteAllText(Path.Combine(_directory, name), "x");
        }

        try
        {
            Assert.Equal(2, CassetteWriter.RemoveStaleTemporaries(_directory));
        }
        finally
        {
            sleeper.Kill();
        }

        Assert.False(File.Exists(dead));
        Assert.False(File.Exists(abandoned));
        Assert.True(File.Exists(own)); // a writer of this process may be mid-write
        Assert.True(File.Exists(otherLive)); // so may another process's
        Assert.All(unrelated, name => Assert.True(File.Exists(Path.Combine(_directory, name))));
    }

    [Fact]
    public async Task CassetteWriterCreate_SweepsTheWholeFolder()
    {
        var pid = await DeadPidAsync();
        var others = new[] { Temporary("other.json", pid), Temporary("third.json", pid) };

        await using (CassetteWriter.Create(Path.Combine(_directory, "new.json")))
        {
            Assert.All(others, file => Assert.False(File.Exists(file)));
        }
    }

    [Fact]
    [Trait("Category", "Slow")] // starts the CLI as a process
    public async Task RecordCommand_InFolderWithTempOfKilledRecorder_RemovesIt()
    {
        var recorder = CliProcess.Start("record", "-o", Path.Combine(_directory, "first.json"), "--listen", "127.0.0.1:0", "--set", $"confdir={_directory}");
        await recorder.WaitListeningAsync();
        var pid = recorder.Id;
        Process.GetProcessById(pid).Kill(); // SIGKILL, as a CI timeout would
        await recorder.WaitForExitAsync(TimeSpan.FromSeconds(10));
        await recorder.DisposeAsync();
        var left = Temporary("first.json", pid); // what it leaves when killed inside a write

        await using var next = CliProcess.Start("record", "-o", Path.Combine(_directory, "second.json"), "--listen", "127.0.0.1:0", "--set", $"confdir={_directory}");
        await next.WaitListeningAsync();

        Assert.False(File.Exists(left));
    }

    [Fact]
    public async Task FixtureRun_ReplayingFromFolder_RemovesTempsOfKilledWriters()
    {
        File.WriteAllText(Path.Combine(_directory, "kept.json"), HostileCassettes.Valid());
        var left = Temporary("kept.json", await DeadPidAsync());
        await using var fixture = ProxyFixture.WithOptions(Fixture.TestFixtureOptions.Isolated(RecordMode.Replay, _directory));
        await fixture.InitializeAsync();

        await using (await fixture.UseCassetteAsync("kept"))
        {
            Assert.False(File.Exists(left));
        }
    }

    /// <summary>A temp file named as a writer with <paramref name="pid"/> names its own.</summary>
    private string Temporary(string cassette, int pid)
    {
        var path = Path.Combine(_directory, $".{cassette}.{pid}.{Guid.NewGuid():N}.tmp");
        File.WriteAllText(path, "{\"version\": 1, \"flo");
        return path;
    }

    /// <summary>The PID of a process that has exited.</summary>
    private static async Task<int> DeadPidAsync()
    {
        using var process = Process.Start("true");
        await process.WaitForExitAsync(TestContext.Current.CancellationToken);
        return process.Id;
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
