using Microsoft.Extensions.Logging;
using Xunit;

namespace MitmFixture.Xunit;

/// <summary>
/// Sends the proxy's log to the output of whichever test is running when the line is logged, so a
/// failing test shows what the proxy did (xunit v3's TestContext names the current test).
/// </summary>
public sealed class TestOutputLoggerProvider(LogLevel minimum = LogLevel.Information) : ILoggerProvider
{
    public ILogger CreateLogger(string categoryName) => new TestOutputLogger(categoryName, minimum);

    public void Dispose()
    {
    }

    private sealed class TestOutputLogger(string category, LogLevel minimum) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= minimum && logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel) || TestContext.Current.TestOutputHelper is not { } output)
            {
                return;
            }

            try
            {
                output.WriteLine($"[proxy {logLevel}] {category}: {formatter(state, exception)}{(exception is null ? "" : " " + exception.Message)}");
            }
            catch (InvalidOperationException)
            {
                // The test already finished; its output is closed.
            }
        }
    }
}
