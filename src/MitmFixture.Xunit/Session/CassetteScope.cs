using MitmFixture.Addons;
using MitmFixture.Cassettes;
using MitmFixture.Flows;
using MitmFixture.Replay.Drift;

namespace MitmFixture.Xunit.Session;

/// <summary>
/// One test's use of a cassette: in Replay it serves the recording, in Record it writes a new one.
/// Dispose it at the end of the test: that finishes the cassette and reports unmatched or unused
/// requests as failures.
/// </summary>
public sealed class CassetteScope : IAsyncDisposable
{
    private readonly SessionAddon _session;
    private readonly FixtureOptions _options;
    private readonly List<Flow> _flows = [];
    private readonly List<string> _unmatched = [];
    private readonly Lock _gate = new();
    private CassetteWriter? _writer;
    private Cassette? _driftBaseline;
    private bool _disposed;

    internal CassetteScope(SessionAddon session, FixtureOptions options, string name, string path, RecordMode mode)
    {
        _session = session;
        _options = options;
        Name = name;
        Path = path;
        Mode = mode;
    }

    /// <summary>The test name the cassette is named after.</summary>
    public string Name { get; }

    public string Path { get; }

    /// <summary>The mode actually in force for this test (Auto resolved to Record or Replay).</summary>
    public RecordMode Mode { get; }

    /// <summary>The flows this test produced so far, in the order they finished.</summary>
    public IReadOnlyList<Flow> Flows
    {
        get
        {
            lock (_gate)
            {
                return _flows.ToArray();
            }
        }
    }

    internal ServerReplayAddon? Replay { get; private set; }

    internal void Start()
    {
        // Temp files a killed recording left in this folder go on the fixture's next run, replay or record.
        CassetteFolders.SweepOnce(System.IO.Path.GetDirectoryName(Path)!); // a cassette path has a folder
        switch (Mode)
        {
            case RecordMode.Replay:
                Replay = SessionAddon.ReplayAddonFor(Cassette.Load(Path), _options, (_, why) =>
                {
                    lock (_gate)
                    {
                        _unmatched.Add(why);
                    }
                });
                break;
            case RecordMode.Drift:
                _driftBaseline = Cassette.Load(Path); // live traffic goes upstream; compared with this at the end
                break;
            case RecordMode.Record:
                _writer = CassetteWriter.Create(Path, new Redactor(_options.Redaction), _options.Proxy.Mode.ToString());
                break;
        }

        _session.Begin(this);
    }

    internal void Finished(Flow flow)
    {
        lock (_gate)
        {
            _flows.Add(flow);
        }

        _writer?.Append(flow);
    }

    /// <summary>
    /// Compares this test's traffic with <c>&lt;name&gt;.verified.json</c>, writing <c>&lt;name&gt;.received.json</c>
    /// and failing with a unified diff when they differ (Verify's conventions).
    /// </summary>
    public Task VerifyTrafficAsync(TrafficScrubOptions? snapshot = null) =>
        TrafficSnapshot.VerifyAsync(Flows, _options.SnapshotFolder ?? DefaultSnapshotFolder(), Name, snapshot ?? new TrafficScrubOptions(), _options.AcceptSnapshots);

    /// <summary><c>snapshots/</c> beside <c>recordings/</c>, next to the test project.</summary>
    private static string DefaultSnapshotFolder() =>
        System.IO.Path.Combine(System.IO.Path.GetDirectoryName(CassetteNaming.DefaultFolder(AppContext.BaseDirectory))!, "snapshots"); // the recordings folder always has a parent

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _session.End(this);
        if (_writer is not null)
        {
            await _writer.DisposeAsync();
        }

        string[] unmatched;
        lock (_gate)
        {
            unmatched = _unmatched.ToArray();
        }

        if (unmatched.Length > 0)
        {
            throw new UnmatchedRequestException($"cassette {Path} has no answer for {unmatched.Length} request(s):\n  " + string.Join("\n  ", unmatched) +
                $"\nRe-record it with {ModeResolver.EnvironmentVariable}=Record (or dotnet test -p:MitmFixtureMode=Record) if the change is intended.");
        }

        if (_driftBaseline is not null &&
            TrafficDrift.Compare(Flows, _driftBaseline, _options.Replay, new Redactor(_options.Redaction), _options.DriftScrubbing) is { HasDrift: true } drift)
        {
            throw new TrafficDriftException($"traffic drifted from cassette {Path} (mode Drift, nothing rewritten):\n{drift.Describe()}" +
                $"Re-record it with {ModeResolver.EnvironmentVariable}=Record (or dotnet test -p:MitmFixtureMode=Record) if the change is intended.");
        }

        if (_options.FailOnUnusedInteractions && Replay is { } replay && replay.Store.Unused() is { Count: > 0 } unused)
        {
            throw new UnusedInteractionsException($"cassette {Path} holds {unused.Count} recorded request(s) this test no longer makes:\n  " + string.Join("\n  ", unused.Select(f => $"{f.Request.Method} {f.Request.Url}")));
        }
    }
}
