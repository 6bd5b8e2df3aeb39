using Microsoft.Extensions.Logging;

namespace MitmFixture.Cli.ConsoleUi;

/// <summary>One line of the event log pane.</summary>
internal sealed record ConsoleEvent(DateTimeOffset Time, LogLevel Level, string Text);

/// <summary>
/// Events and errors that are not flows (mitmproxy's event log, toggled with <c>e</c>): the engine's
/// log messages and what the console itself did. Bounded, thread-safe: the proxy logs from its threads.
/// </summary>
internal sealed class EventLog : ILoggerProvider
{
    private readonly Queue<ConsoleEvent> _events = new();
    private readonly Lock _gate = new();
    private readonly int _capacity;
    private readonly TimeProvider _time;
    private readonly bool _verbose;
    private int _version;

    /// <param name="capacity">Events kept; older ones go.</param>
    /// <param name="time">The clock events are stamped with.</param>
    /// <param name="verbose">Keep the engine's Debug events too (--verbose).</param>
    public EventLog(int capacity = 1000, TimeProvider? time = null, bool verbose = false)
    {
        _capacity = capacity;
        _time = time ?? TimeProvider.System;
        _verbose = verbose;
    }

    /// <summary>Grows with every event, so a screen knows when to redraw.</summary>
    public int Version => Volatile.Read(ref _version);

    public void Add(LogLevel level, string text)
    {
        lock (_gate)
        {
            _events.Enqueue(new ConsoleEvent(_time.GetUtcNow(), level, text));
            while (_events.Count > _capacity)
            {
                _events.Dequeue();
            }
        }

        Interlocked.Increment(ref _version);
    }

    public void Info(string text) => Add(LogLevel.Information, text);

    public void Error(string text) => Add(LogLevel.Error, text);

    public IReadOnlyList<ConsoleEvent> Snapshot()
    {
        lock (_gate)
        {
            return _events.ToArray();
        }
    }

    /// <summary>Adds this log to a logging builder; it leaves out the engine's Debug events unless verbose.</summary>
    public void AddTo(ILoggingBuilder builder) => builder.AddProvider(this).SetMinimumLevel(LogLevel.Debug);

    public ILogger CreateLogger(string categoryName) => new Logger(this);

    public void Dispose()
    {
    }

    private sealed class Logger(EventLog log) : ILogger
    {
        // The engine's "{Method} {Url} -> {Status}" line: the flow list shows that already, and the
        // pane is for what does not become a flow (mitmproxy's event log).
        private const int FlowFinishedEventId = MitmFixture.Proxy.ProxyLog.FlowDoneEvent;

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Debug && logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel) || eventId.Id == FlowFinishedEventId || (logLevel < LogLevel.Information && !log._verbose))
            {
                return;
            }

            var text = formatter(state, exception);
            log.Add(logLevel, exception is null ? text : $"{text}: {exception.Message}");
        }
    }
}
