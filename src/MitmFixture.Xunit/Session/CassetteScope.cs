using System.Net;
using MitmFixture.Addons;
using MitmFixture.Cassettes;
using MitmFixture.Flows;
using MitmFixture.Proxy;
using MitmFixture.Replay.Drift;

namespace MitmFixture.Xunit.Session;

/// <summary>
/// One test's use of a cassette: in Replay it serves the recording, in Record it writes a new one.
/// It has its own proxy port: every flow through <see cref="ProxyUrl"/>, <see cref="CreateClient"/>,
/// <see cref="CreateHandler"/> or <see cref="EnvironmentVariables"/> (child processes included) is
/// this test's, even while other tests share the proxy. Dispose it at the end of the test: that
/// finishes the cassette and reports unmatched, unused or unattributed requests as failures.
/// </summary>
public sealed class CassetteScope : IAsyncDisposable
{
    /// <summary>How long a disposed scope waits for its flows in flight.</summary>
    private static readonly TimeSpan FinishGrace = TimeSpan.FromSeconds(2);

    private readonly SessionAddon _session;
    private readonly FixtureOptions _options;
    private readonly ProxyClients _clients;
    private readonly Action<string>? _output;
    private readonly Action<string> _warn;
    private readonly TextRedactor _logRedaction; // the proxy's log goes to the test's output, and CI logs keep it
    private readonly List<Flow> _flows = [];
    private readonly List<string> _unmatched = [];
    private readonly Dictionary<Flow, string> _unmatchedFlows = new(ReferenceEqualityComparer.Instance);
    private readonly List<string> _recordFailures = [];
    private readonly Dictionary<Flow, string> _recordFailedFlows = new(ReferenceEqualityComparer.Instance);
    private readonly List<string> _unattributed = [];
    private RefusedRequests _refusedElsewhere; // refused by the fixture since the last scope ended, reported by this one
    private readonly Lock _gate = new();
    private ProxyListener? _listener;
    private CassetteWriter? _writer;
    private Cassette? _driftBaseline;
    private string? _accepted;

    /// <summary>Flows of this test that were let through and have not finished yet (a request the test did not wait for).</summary>
    private readonly HashSet<Flow> _inFlight = new(ReferenceEqualityComparer.Instance);
    private TaskCompletionSource? _drained;
    private bool _disposed; // the test is over: no new request is let through
    private bool _closed; // the flows in flight were waited for: nothing more is recorded

    internal CassetteScope(SessionAddon session, FixtureOptions options, ProxyClients clients, string name, string path, RecordMode mode, ScopeOwner owner, Action<string>? output, Action<string> warn)
    {
        _session = session;
        _options = options;
        _clients = clients;
        Name = name;
        Path = path;
        Mode = mode;
        Owner = owner;
        _output = output;
        _warn = warn;
        _logRedaction = new TextRedactor(options.Redaction);
    }

    /// <summary>Flow lines (with their URLs) are logged at Information: below that level nothing is learned for the log, which costs a second read of each flow.</summary>
    private bool LearnsForLog => _output is not null && _options.LogLevel <= Microsoft.Extensions.Logging.LogLevel.Information;

    /// <summary>The test name the cassette is named after.</summary>
    public string Name { get; }

    /// <summary>The cassette file this scope reads from or records to.</summary>
    public string Path { get; }

    /// <summary>The mode actually in force for this test (Auto resolved to Record or Replay).</summary>
    public RecordMode Mode { get; }

    /// <summary>This cassette's own proxy address: whatever connects here is this test's.</summary>
    public Uri ProxyUrl => Listener.Url;

    /// <summary>The CA certificate (PEM file) clients must trust for HTTPS.</summary>
    public string CaCertificatePath => _clients.CaCertificatePath;

    /// <summary>Variables that route a child process through this cassette's port and make it trust the CA.</summary>
    public IReadOnlyDictionary<string, string> EnvironmentVariables => _clients.EnvironmentFor(ProxyUrl);

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

    internal int Port => Listener.Port;

    /// <summary>The running test's id, for the fixture's clients to find this scope; null outside a test.</summary>
    internal string? OwnerTest => Owner.TestId;

    /// <summary>The test that opened this scope, as far as the test framework tells.</summary>
    internal ScopeOwner Owner { get; }

    internal bool Ended => Volatile.Read(ref _disposed);

    internal ServerReplayAddon? Replay { get; private set; }

    private ProxyListener Listener => _listener ?? throw new InvalidOperationException("the cassette scope has not started");

    /// <summary>A handler routed through this cassette's port and trusting the proxy's CA.</summary>
    public HttpMessageHandler CreateHandler() => _clients.CreateHandler(new WebProxy(ProxyUrl));

    /// <summary>An HttpClient that goes through this scope's port and trusts the proxy's CA.</summary>
    public HttpClient CreateClient() => ProxyClients.CreateClient(CreateHandler());

    internal void Start(ProxyServer proxy)
    {
        // Temp files a killed recording left in this folder go on the fixture's next run, replay or record.
        CassetteFolders.SweepOnce(System.IO.Path.GetDirectoryName(Path)!); // a cassette path has a folder
        switch (Mode)
        {
            case RecordMode.Replay:
                Replay = SessionAddon.ReplayAddonFor(Cassette.Load(Path, _options.Proxy.Limits.MaxDecodedBodyBytes), _options, (flow, why) =>
                {
                    lock (_gate)
                    {
                        _unmatched.Add(why);
                        _unmatchedFlows[flow] = why;
                    }

                    Log($"[proxy replay] no answer in {System.IO.Path.GetFileName(Path)}: {why}");
                });
                break;
            case RecordMode.Drift:
                _driftBaseline = Cassette.Load(Path, _options.Proxy.Limits.MaxDecodedBodyBytes); // live traffic goes upstream; compared with this at the end
                break;
            case RecordMode.Record:
                _writer = CassetteWriter.Create(Path, new Redactor(_options.Redaction), _options.Proxy.Mode.ToString());
                _writer.FlowFailed += (flow, e) =>
                {
                    lock (_gate)
                    {
                        _recordFailures.Add($"{flow.Request.Method} {flow.Request.Url}: {e.GetType().Name}: {e.Message}");
                        _recordFailedFlows[flow] = $"could not be recorded in full, kept in the cassette in reduced form: {e.GetType().Name}: {e.Message}";
                    }
                };
                break;
        }

        // The listener's connections run in this execution context: the proxy's log for them comes back to this scope.
        var previous = SessionAddon.LogRoute.Value;
        SessionAddon.LogRoute.Value = this;
        try
        {
            _listener = proxy.AddListener();
        }
        finally
        {
            SessionAddon.LogRoute.Value = previous;
        }

        _session.Begin(this);
    }

    /// <summary>
    /// Lets a flow of this test through, and the cassette waits for it to finish before it closes;
    /// false once the test is over (the flow is refused, and not recorded).
    /// </summary>
    internal bool TryStart(Flow flow)
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return false;
            }

            _inFlight.Add(flow);
            return true;
        }
    }

    internal void Finished(Flow flow)
    {
        lock (_gate)
        {
            var wasInFlight = _inFlight.Remove(flow);
            if (_closed || (_disposed && !wasInFlight))
            {
                return; // finished after the cassette closed, or refused because it came after the test ended
            }

            _flows.Add(flow);
            _writer?.Append(flow);
            if (_disposed && _inFlight.Count == 0)
            {
                _drained?.TrySetResult();
            }
        }

        if (LearnsForLog)
        {
            // Before the proxy logs the flow's line (it finishes the flow after its response hook, which brought it here).
            LearnForLog(flow);
        }

        if (_writer is not null && flow.Response is null && flow.Error is { } error)
        {
            // Recorded as well as it can be (its request and error), and said: a replay has no answer to give it.
            _warn(_logRedaction.Redact($"{flow.Request.Method} {flow.Request.Url} got no answer while recording ({error.Message}): the cassette keeps it with its error only, and replaying it will fail until it is recorded again with an answer"));
        }
    }

    private void LearnForLog(Flow flow)
    {
        try
        {
            _logRedaction.Learn(flow);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // A flow an addon left unreadable: the cassette reduces it to its request line; its log line keeps the query rules.
        }
    }

    internal void Unattributed(string why)
    {
        lock (_gate)
        {
            _unattributed.Add(why);
        }

        Log(why);
    }

    /// <summary>A line of the proxy's log for this test's output; dropped once the test's output is closed.</summary>
    internal void Log(string line)
    {
        try
        {
            _output?.Invoke(_logRedaction.Redact(line));
        }
        catch (InvalidOperationException)
        {
            // The test already finished; its output is closed.
        }
    }

    /// <summary>A warning on the test's result (xunit v3) or in its output (xunit 2); dropped once the test is over.</summary>
    private void Warn(string warning)
    {
        try
        {
            _warn(warning);
        }
        catch (InvalidOperationException)
        {
            // The test already finished.
        }
    }

    internal string EndedMessage(Flow flow) => EndedMessage(flow.Request.Method, flow.Request.Url);

    internal string EndedMessage(string method, string url) =>
        $"MitmFixture: {method} {url} came through the port of cassette {Name}, which was already disposed; its test is over. " +
        "It was refused and is in no cassette: wait for such a request before the scope ends (await it, or cancel it with the test's cancellation token).";

    /// <summary>
    /// Compares this test's traffic with <c>&lt;name&gt;.verified.json</c>, writing <c>&lt;name&gt;.received.json</c>
    /// and failing with a unified diff when they differ (Verify's conventions).
    /// </summary>
    /// <remarks>The flows are redacted as the cassette is: a verified snapshot is committed beside it.</remarks>
    public Task VerifyTrafficAsync(TrafficScrubOptions? snapshot = null) =>
        TrafficSnapshot.VerifyAsync(new Redactor(_options.Redaction).Redact(Flows), _options.SnapshotFolder ?? DefaultSnapshotFolder(), Name, snapshot ?? new TrafficScrubOptions(), _options.AcceptSnapshots, DiffTool.For(_options));

    /// <summary><c>snapshots/</c> beside <c>recordings/</c>, next to the test project.</summary>
    private static string DefaultSnapshotFolder() =>
        System.IO.Path.Combine(System.IO.Path.GetDirectoryName(CassetteNaming.DefaultFolder(AppContext.BaseDirectory))!, "snapshots"); // the recordings folder always has a parent

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            if (_inFlight.Count > 0)
            {
                _drained = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }
        }

        await WaitForFlowsInFlightAsync();
        _session.End(this);
        _refusedElsewhere = _session.TakeRefused();
        if (_listener is not null)
        {
            await _listener.DisposeAsync();
        }

        if (_writer is not null)
        {
            await _writer.DisposeAsync();
        }

        var notes = new Dictionary<int, string>();
        var unplayed = new List<Flow>();
        var failure = Failure(notes, unplayed);
        if (failure is null && _accepted is { } accepted)
        {
            // The test passes (its cassette now says what the service says, as accepting a snapshot does), and says what it changed.
            Warn(accepted);
            Log("[proxy drift] " + accepted);
        }

        var report = ReportIfWanted(failure, notes, unplayed);
        if (failure is not null)
        {
            throw report is null ? failure.Value.Create(failure.Value.Message) : failure.Value.Create(failure.Value.Message + "\n" + report);
        }

        if (report is not null)
        {
            Log($"[proxy] {report}");
        }
    }

    /// <summary>
    /// Lets the flows still finishing when the test ended (a streamed answer whose last bytes the
    /// client already has) reach the cassette; one that does not finish within <see cref="FinishGrace"/>
    /// (a WebSocket left open, a download abandoned half read) is left out, and the test is told which.
    /// </summary>
    private async Task WaitForFlowsInFlightAsync()
    {
        if (_drained is { } drained)
        {
            try
            {
                await drained.Task.WaitAsync(FinishGrace);
            }
            catch (TimeoutException)
            {
                // Reported below.
            }
        }

        Flow[] unfinished;
        lock (_gate)
        {
            _closed = true;
            unfinished = [.. _inFlight];
            _inFlight.Clear();
        }

        foreach (var flow in unfinished)
        {
            var warning = $"cassette {Path}: {flow.Request.Method} {flow.Request.Url} had not finished {FinishGrace.TotalSeconds:0} s after the test ended (a WebSocket left open or an answer not read to its end?), so it is not in the cassette";
            Warn(warning);
            Log("[proxy] " + warning);
        }
    }

    /// <summary>
    /// Why this scope fails the test, if it does, as a message and the exception type to raise it with;
    /// <paramref name="notes"/> gets why each failing flow failed, <paramref name="unplayed"/> the
    /// recordings that failed it by not being requested.
    /// </summary>
    private (string Message, Func<string, Exception> Create)? Failure(Dictionary<int, string> notes, List<Flow> unplayed)
    {
        string[] unmatched, unattributed, failures;
        var refused = _refusedElsewhere;
        Flow[] flows;
        lock (_gate)
        {
            unmatched = _unmatched.ToArray();
            unattributed = _unattributed.Distinct().ToArray();
            failures = _recordFailures.ToArray();
            flows = _flows.ToArray();
            for (var i = 0; i < flows.Length; i++)
            {
                if (_unmatchedFlows.TryGetValue(flows[i], out var why))
                {
                    notes[i] = "no recording answers this request: " + why;
                }
                else if (_recordFailedFlows.TryGetValue(flows[i], out var failed))
                {
                    notes[i] = failed;
                }
            }
        }

        if (unattributed.Length > 0 || refused.Count > 0)
        {
            var shown = unattributed.Take(10).Append(unattributed.Length > 10 ? $"... and {unattributed.Length - 10} more" : null).OfType<string>();
            var own = unattributed.Length == 0 ? null : $"cassette {Path}: {unattributed.Length} request(s) could not be given to one test, so no cassette got them:\n  " + string.Join("\n  ", shown);
            var elsewhere = refused.Count == 0 ? null : refused.Describe($"this test (cassette {Path}) is the first to end since, so it fails for them, whether or not it sent them");
            return (string.Join("\n", new[] { own, elsewhere }.OfType<string>()), m => new UnattributedRequestException(m));
        }

        if (failures.Length > 0)
        {
            return ($"cassette {Path}: {failures.Length} flow(s) could not be recorded in full and were kept in reduced form:\n  " + string.Join("\n  ", failures),
                m => new InvalidOperationException(m));
        }

        if (unmatched.Length > 0)
        {
            return ($"cassette {Path} has no answer for {unmatched.Length} request(s):\n  " + string.Join("\n  ", unmatched) +
                $"\nRe-record it with {ModeResolver.EnvironmentVariable}=Record (or dotnet test -p:MitmFixtureMode=Record) if the change is intended.",
                m => new UnmatchedRequestException(m));
        }

        if (_driftBaseline is not null && DriftFailure(flows, notes) is { } drifted)
        {
            return drifted;
        }

        if (_options.FailOnUnusedInteractions && Replay is { } replay && replay.Store.Unused() is { Count: > 0 } unused)
        {
            unplayed.AddRange(unused);
            return ($"cassette {Path} holds {unused.Count} recorded request(s) this test no longer makes:\n  " + string.Join("\n  ", unused.Select(f => $"{f.Request.Method} {f.Request.Url}")),
                m => new UnusedInteractionsException(m));
        }

        return null;
    }

    /// <summary>
    /// Drift mode's verdict: null when the live traffic matches the cassette, or when it drifted and
    /// <see cref="FixtureOptions.AcceptDrift"/> rewrote every drifted flow (then <see cref="_accepted"/>
    /// says what changed); else the failure with the diff and what was, or was not, rewritten.
    /// </summary>
    private (string Message, Func<string, Exception> Create)? DriftFailure(Flow[] flows, Dictionary<int, string> notes)
    {
        var redactor = new Redactor(_options.Redaction);
        var drift = TrafficDrift.Compare(flows, _driftBaseline!, _options.Replay, redactor, _options.DriftScrubbing); // only called in Drift mode, which loaded it
        if (!drift.HasDrift)
        {
            return null;
        }

        IReadOnlyList<string> rewritten = [];
        string? notRewritten = null;
        if (_options.AcceptDrift)
        {
            try
            {
                rewritten = DriftRewrite.Apply(Path, drift, _options.Replay, redactor, _options.Proxy.Mode.ToString());
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or CassetteFormatException)
            {
                notRewritten = $"could not rewrite it: {e.Message}";
            }
        }

        FailureReport.AddDriftNotes(drift, notes, rewritten.Count > 0);
        var unanswered = drift.Flows.Count(f => f.Verdict == DriftVerdict.Failed) + drift.Unrecorded.Count(u => u.Live.Response is null || u.Live.Error is not null);
        var what = rewritten.Count == 0 ? "" : $"rewritten from the live service:\n  {string.Join("\n  ", rewritten)}\n";
        if (_options.AcceptDrift && notRewritten is null && unanswered == 0)
        {
            _accepted = $"cassette {Path} drifted and was {what.TrimEnd('\n')}";
            return null;
        }

        var state = !_options.AcceptDrift ? "nothing rewritten"
            : notRewritten ?? $"{rewritten.Count} flow(s) rewritten; {unanswered} request(s) got no live answer, so their recordings were kept";
        return ($"traffic drifted from cassette {Path} (mode Drift, {state}):\n{drift.Describe()}{(what.Length > 0 ? "\n" + what : "")}" +
            $"Take the live answers with {ModeResolver.EnvironmentVariable}=Drift and MITMFIXTURE_ACCEPT=1 (only the drifted flows change), or re-record with {ModeResolver.EnvironmentVariable}=Record, if the change is intended.",
            m => new TrafficDriftException(m));
    }

    /// <summary>
    /// Writes the traffic report when <see cref="FixtureOptions.TrafficReport"/> asks for one: the
    /// test's flows, then the recordings it left unplayed, each failing one marked with why, under the
    /// failure message in full. Returns the line naming it (or why it could not be written).
    /// </summary>
    private string? ReportIfWanted((string Message, Func<string, Exception> Create)? failure, Dictionary<int, string> notes, List<Flow> unplayed)
    {
        if (_options.TrafficReport == TrafficReportPolicy.Never || (failure is null && _options.TrafficReport != TrafficReportPolicy.Always))
        {
            return null;
        }

        // Redacted as the cassette is: the report goes where test output goes (CI artifacts, a pull request).
        var flows = new Redactor(_options.Redaction).Redact(Flows.Concat(unplayed)).ToList();
        for (var i = flows.Count - unplayed.Count; i < flows.Count; i++)
        {
            notes[i] = "recorded in the cassette, never requested by this test (an unused interaction: FailOnUnusedInteractions is on)";
        }

        var firstLine = failure?.Message.Split('\n')[0];
        var title = firstLine is null ? $"{Name}: passed ({Mode})" : $"{Name}: failed ({Mode}): {firstLine}";
        var (path, error) = FailureReport.Write(_options.ReportFolder ?? FailureReport.DefaultFolder(), FailureReport.FileName(Owner.TestName, Path), title, flows, notes, failure?.Message ?? _accepted);
        return path is not null ? $"traffic report: {path}" : error;
    }
}

/// <summary>The test a cassette scope belongs to: its display name (class, method, theory arguments) and id, each null when the test framework does not tell.</summary>
internal readonly record struct ScopeOwner(string? TestName, string? TestId);
