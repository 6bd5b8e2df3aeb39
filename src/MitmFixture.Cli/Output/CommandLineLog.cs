using Microsoft.Extensions.Logging;
using MitmFixture.Proxy;

namespace MitmFixture.Cli.Output;

/// <summary>
/// The proxy's log as <c>dump</c>, <c>record</c> and <c>replay</c> show it on stderr: from Information
/// up, as mitmdump shows its event log (a malformed request, a client that does not trust the CA), but
/// without what the command prints itself on stdout (its banner, one line per flow). With
/// <c>--verbose</c>, everything from Debug up.
/// </summary>
internal static class CommandLineLog
{
    private static readonly HashSet<int> PrintedOnStdout = [ProxyLog.ListeningEvent, ProxyLog.FlowDoneEvent, ProxyLog.FlowFailedEvent];

    public static ILoggerFactory Create(bool verbose)
    {
        var console = LoggerFactory.Create(b => b
            .AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace) // stdout is for flows
            .AddSimpleConsole(o => o.SingleLine = true)
            .AddFilter(level => level >= (verbose ? LogLevel.Debug : LogLevel.Information)));
        return verbose ? console : new WithoutEvents(console, PrintedOnStdout);
    }

    private sealed class WithoutEvents(ILoggerFactory inner, HashSet<int> left) : ILoggerFactory
    {
        public ILogger CreateLogger(string categoryName) => new Logger(inner.CreateLogger(categoryName), left);

        public void AddProvider(ILoggerProvider provider) => inner.AddProvider(provider);

        public void Dispose() => inner.Dispose();
    }

    private sealed class Logger(ILogger inner, HashSet<int> left) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => inner.BeginScope(state);

        public bool IsEnabled(LogLevel logLevel) => inner.IsEnabled(logLevel);

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!left.Contains(eventId.Id))
            {
                inner.Log(logLevel, eventId, state, exception, formatter);
            }
        }
    }
}
