using Microsoft.Extensions.Logging;

namespace MitmFixture.Tests.Support;

/// <summary>Keeps every log entry the proxy writes, for tests that check what was logged.</summary>
public sealed class CapturingLoggerProvider : ILoggerProvider, ILogger
{
    private readonly List<Entry> _entries = [];

    public sealed record Entry(LogLevel Level, EventId EventId, string Message, Exception? Exception);

    public IReadOnlyList<Entry> Entries
    {
        get
        {
            lock (_entries)
            {
                return _entries.ToArray();
            }
        }
    }

    public IReadOnlyList<string> Messages => Entries.Select(e => e.Message).ToArray();

    public ILogger CreateLogger(string categoryName) => this;

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        lock (_entries)
        {
            _entries.Add(new Entry(logLevel, eventId, formatter(state, exception), exception));
        }
    }

    public void Dispose()
    {
    }
}
