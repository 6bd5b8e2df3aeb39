using Microsoft.Extensions.Logging;

namespace MitmFixture.Xunit.Session;

/// <summary>
/// Sends the proxy's log to the output of the test whose cassette the work belongs to, so a failing
/// test shows what the proxy did. The proxy's threads belong to no test (xunit's TestContext there is
/// the fixture's, or another test's): a line goes to the scope whose own port accepted the connection,
/// carried by the listener's execution context; a line from the shared port goes to the only open
/// scope, or, marked, to all of them.
/// </summary>
internal sealed class TestOutputLoggerProvider(SessionAddon session, LogLevel minimum) : ILoggerProvider
{
    public ILogger CreateLogger(string categoryName) => new TestOutputLogger(session, categoryName, minimum);

    public void Dispose()
    {
    }

    private sealed class TestOutputLogger(SessionAddon session, string category, LogLevel minimum) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= minimum && logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel))
            {
                return;
            }

            var line = $"[proxy {logLevel}] {category}: {formatter(state, exception)}{(exception is null ? "" : " " + exception.Message)}";
            if (SessionAddon.LogRoute.Value is { } scope)
            {
                scope.Log(line);
            }
            else
            {
                session.LogUnrouted(line);
            }
        }
    }
}
