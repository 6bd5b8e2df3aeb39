using System.Buffers;
using System.Collections.Concurrent;
using System.Text;
using MitmFixture.Flows;

namespace MitmFixture.Cassettes;

/// <summary>
/// Records flows into a cassette as they finish. Each flow is redacted and serialized at once;
/// the file is rewritten atomically in the background after every batch, so readers and crashes
/// only ever see a complete cassette that lacks at most the flows still in the queue. Redaction
/// is cassette-wide: a secret first seen in flow 5 (a token response) is scrubbed from flows 1-4
/// too before the next write, so no version of the file on disk holds a secret already learned.
/// </summary>
public sealed class CassetteWriter : IAsyncDisposable
{
    private static readonly ConcurrentDictionary<string, CassetteWriter> Open = new(StringComparer.Ordinal);

    private readonly List<byte[]> _fragments = [];
    private readonly List<Flow> _redacted = []; // parallel to _fragments, scrubbed again when a new secret is learned
    private readonly List<int> _redactedAt = []; // parallel to _fragments: the redaction version each was scrubbed with
    private readonly List<string?> _modes = []; // parallel to _fragments: the mode each was recorded in (a kept flow keeps its own)
    private readonly Lock _gate = new();
    private readonly RedactionSession _redaction;
    private readonly string? _mode;
    private readonly SemaphoreSlim _signal = new(0);
    private readonly Task _pump;
    private volatile bool _closing;
    private volatile bool _begun;
    private int _written;
    private int _failures;
    private Exception? _failure;

    private CassetteWriter(string path, Redactor redactor, string? mode, IReadOnlyList<Flow> existing, IReadOnlyList<string?> existingModes)
    {
        Path = path;
        _redaction = redactor.StartSession();
        _mode = mode;
        foreach (var flow in existing)
        {
            _redaction.Learn(flow);
        }

        for (var i = 0; i < existing.Count; i++)
        {
            var redacted = _redaction.Apply(existing[i]);
            var recordedIn = i < existingModes.Count ? existingModes[i] : null;
            _redacted.Add(redacted);
            _redactedAt.Add(_redaction.Version);
            _modes.Add(recordedIn);
            _fragments.Add(CassetteSerializer.SerializeFlow(FlowMapper.ToRecord(redacted, recordedIn)));
        }

        _pump = Task.Run(PumpAsync);
    }

    /// <summary>The cassette file being written.</summary>
    public string Path { get; }

    /// <summary>Flows appended so far (including any kept from an existing file).</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _fragments.Count;
            }
        }
    }

    /// <summary>
    /// Starts recording into <paramref name="path"/>, replacing it, or appending to its flows when
    /// <paramref name="append"/> is set. Only one writer per file at a time. The cassette is written
    /// at once (empty, or with the kept flows), unless <paramref name="deferFirstWrite"/>: then the
    /// file is left as it is until <see cref="Begin"/> or the first flow, and a writer disposed
    /// before either never touches it (a proxy that could not start must not empty a cassette).
    /// </summary>
    public static CassetteWriter Create(string path, Redactor? redactor = null, string? mode = null, bool append = false, bool deferFirstWrite = false)
    {
        var full = System.IO.Path.GetFullPath(path);
        RemoveStaleTemporaries(System.IO.Path.GetDirectoryName(full)!); // a full path has a directory
        var kept = append && File.Exists(full) ? Cassette.Load(full) : null;
        var writer = new CassetteWriter(full, redactor ?? Redactor.Default, mode, kept?.Flows ?? [], kept?.Modes ?? []);
        if (!Open.TryAdd(full, writer))
        {
            writer._closing = true;
            writer._signal.Release();
            throw new InvalidOperationException($"{full} is already being recorded by another writer in this process");
        }

        if (!deferFirstWrite)
        {
            writer.Schedule(); // an empty cassette exists from the start
        }

        return writer;
    }

    /// <summary>Recording has begun (the proxy listens): writes the cassette now, empty or with the kept flows, for a writer created with deferFirstWrite.</summary>
    public void Begin() => Schedule();

    /// <summary>
    /// Removes the hidden temp files (<c>.NAME.json.PID.GUID.tmp</c>) that writers killed mid-write
    /// left in <paramref name="folder"/>; those of live writers stay. Recording into a folder does this
    /// itself, and so does the first write into a folder in a process; returns how many were removed.
    /// </summary>
    public static int RemoveStaleTemporaries(string folder) => AtomicFile.RemoveStaleTemporaries(folder);

    /// <summary>Flows recorded in a reduced form because recording them in full threw (each reported through <see cref="FlowFailed"/>).</summary>
    public int Failures => Volatile.Read(ref _failures);

    /// <summary>
    /// Raised (on the appending thread) when a flow could not be recorded in full, with the
    /// exception; the flow is still recorded, in the best form available.
    /// </summary>
    public event Action<Flow, Exception>? FlowFailed;

    /// <summary>
    /// Queues a finished flow. A flow that cannot be recorded in full (an exception while redacting
    /// or serializing it) is recorded without its bodies, or failing that as its request line and
    /// the error, and reported through <see cref="FlowFailed"/>: never dropped silently.
    /// Throws if an earlier write failed (disk full, folder read-only), naming the file.
    /// </summary>
    public void Append(Flow flow)
    {
        ThrowIfFailed();
        lock (_gate)
        {
            Flow redacted;
            byte[] fragment;
            try
            {
                (redacted, fragment) = Full(flow);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                (redacted, fragment) = Reduced(flow, e);
                ReportFailure(flow, e);
            }

            _redacted.Add(redacted);
            _redactedAt.Add(_redaction.Version);
            _modes.Add(_mode);
            _fragments.Add(fragment);
        }

        Schedule();
    }

    /// <summary>Counts and reports a flow whose recording went wrong outside the writer (a selection predicate that threw).</summary>
    public void ReportFailure(Flow flow, Exception exception)
    {
        Interlocked.Increment(ref _failures);
        FlowFailed?.Invoke(flow, exception);
    }

    private (Flow Redacted, byte[] Fragment) Full(Flow flow)
    {
        // A new secret learned here is scrubbed from the flows already written by the pump, before
        // its next write (ScrubEarlierFlows): once per write, not once per flow.
        _redaction.Learn(flow);
        var redacted = _redaction.Apply(flow);
        return (redacted, CassetteSerializer.SerializeFlow(FlowMapper.ToRecord(redacted, _mode)));
    }

    /// <summary>
    /// Scrubs the secrets learned since each flow was redacted from that flow. Only flows whose JSON
    /// shows one of the new secrets' forms, or holds a base64 body (which may be text inside), are
    /// redacted again; one multi-string search per flow finds them, so a new cookie per flow costs
    /// one pass over the cassette per write (as the write itself does), not one per flow.
    /// </summary>
    private void ScrubEarlierFlows()
    {
        var current = _redaction.Version;
        var oldest = current;
        foreach (var version in _redactedAt)
        {
            oldest = Math.Min(oldest, version);
        }

        if (oldest == current)
        {
            return;
        }

        var forms = SearchValues.Create([.. _redaction.FormsLearnedSince(oldest)], StringComparison.Ordinal);
        for (var i = 0; i < _fragments.Count; i++)
        {
            if (_redactedAt[i] == current)
            {
                continue;
            }

            if (MayHold(_fragments[i], forms) && _redaction.Scrub(_redacted[i]))
            {
                _fragments[i] = CassetteSerializer.SerializeFlow(FlowMapper.ToRecord(_redacted[i], _modes[i]));
            }

            _redactedAt[i] = current;
        }
    }

    private static bool MayHold(byte[] fragment, SearchValues<string> forms)
    {
        if (fragment.AsSpan().IndexOf("\"base64\":"u8) >= 0)
        {
            return true;
        }

        var chars = ArrayPool<char>.Shared.Rent(Encoding.UTF8.GetMaxCharCount(fragment.Length));
        try
        {
            var length = Encoding.UTF8.GetChars(fragment, chars);
            return chars.AsSpan(0, length).IndexOfAny(forms) >= 0;
        }
        finally
        {
            ArrayPool<char>.Shared.Return(chars);
        }
    }

    /// <summary>The best form left: the flow without bodies or WebSocket messages; failing that, its request line and the error.</summary>
    private (Flow Redacted, byte[] Fragment) Reduced(Flow flow, Exception failure)
    {
        var why = $"recording failed ({failure.GetType().Name}: {failure.Message})";
        try
        {
            var bare = FlowCopy.Of(flow);
            bare.Request.Body = [];
            bare.Request.Trailers = null;
            if (bare.Response is { } response)
            {
                response.Body = [];
                response.Trailers = null;
            }

            bare.WebSocket = null;
            bare.Grpc = null;
            bare.Comment = $"{why}; bodies left out";
            _redaction.Learn(bare);
            var redacted = _redaction.Apply(bare);
            return (redacted, CassetteSerializer.SerializeFlow(FlowMapper.ToRecord(redacted, _mode)));
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Only what cannot hold a secret: no headers, no query, no body.
            var skeleton = _redaction.Skeleton(flow, $"{why}; kept as its request line only");
            return (skeleton, CassetteSerializer.SerializeFlow(FlowMapper.ToRecord(skeleton, _mode)));
        }
    }

    /// <summary>Waits until everything appended so far is on disk.</summary>
    public async Task FlushAsync()
    {
        int target;
        lock (_gate)
        {
            target = _fragments.Count;
        }

        while (Volatile.Read(ref _written) < target && _failure is null && !_pump.IsCompleted)
        {
            await Task.Delay(5);
        }

        ThrowIfFailed();
    }

    private void Schedule()
    {
        _begun = true;
        if (_signal.CurrentCount == 0)
        {
            _signal.Release();
        }
    }

    private async Task PumpAsync()
    {
        while (true)
        {
            await _signal.WaitAsync();
            if (!_begun)
            {
                return; // disposed before recording began: the file on disk stays as it was
            }

            byte[][] snapshot;
            lock (_gate)
            {
                ScrubEarlierFlows(); // no version of the file on disk holds a secret already learned
                snapshot = _fragments.ToArray();
            }

            try
            {
                AtomicFile.Write(Path, stream => CassetteSerializer.WriteComposed(stream, snapshot));
                Volatile.Write(ref _written, snapshot.Length);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                _failure = e;
            }

            if (_closing && _signal.CurrentCount == 0)
            {
                return;
            }
        }
    }

    private void ThrowIfFailed()
    {
        if (_failure is { } failure)
        {
            throw new IOException($"{Path}: recording failed, the cassette on disk keeps its last complete version: {failure.Message}", failure);
        }
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        if (_closing)
        {
            return;
        }

        _closing = true;
        _signal.Release();
        await _pump;
        Open.TryRemove(new KeyValuePair<string, CassetteWriter>(Path, this));
        _signal.Dispose();
        ThrowIfFailed();
    }
}
