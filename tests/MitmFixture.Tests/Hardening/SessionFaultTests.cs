using Microsoft.Extensions.Logging;
using MitmFixture.Tests.Support;

namespace MitmFixture.Tests.Hardening;

/// <summary>
/// A fault nobody planned for inside one client's session (here a user's logger that throws) ends that
/// connection and says so at Error, naming the exception; the other clients are served on. Nothing
/// awaits a session, so without the log such a fault would vanish.
/// </summary>
public sealed class SessionFaultTests
{
    [Fact]
    public async Task UnexpectedErrorInASession_IsLoggedAtError_AndTheNextClientIsServed()
    {
        await using var server = new CountingServer();
        var logs = new ThrowingOnceLoggerProvider();
        using var logging = LoggerFactory.Create(b => b.AddProvider(logs).SetMinimumLevel(LogLevel.Trace));
        await using var harness = await ProxyHarness.StartAsync(null, o => o with { LoggerFactory = logging });
        using var first = harness.CreateClient();
        using var second = harness.CreateClient();

        await Assert.ThrowsAsync<HttpRequestException>(() => first.GetStringAsync(server.Url + "/first", TestContext.Current.CancellationToken));
        Assert.Equal("answer 1", await second.GetStringAsync(server.Url + "/second", TestContext.Current.CancellationToken));

        var failure = Assert.Single(logs.Captured.Entries, e => e.Level == LogLevel.Error);
        Assert.Contains("connection dropped by an unexpected error", failure.Message, StringComparison.Ordinal);
        Assert.Contains("the logger failed", failure.Message, StringComparison.Ordinal); // the logging framework wraps a provider's throw in an AggregateException
        Assert.IsType<InvalidOperationException>(Assert.Single(Assert.IsType<AggregateException>(failure.Exception).InnerExceptions));
    }

    /// <summary>Throws on the first "Client ... connected" line (a session's first step), then keeps every entry.</summary>
    private sealed class ThrowingOnceLoggerProvider : ILoggerProvider, ILogger
    {
        private int _thrown;

        public CapturingLoggerProvider Captured { get; } = new();

        public ILogger CreateLogger(string categoryName) => this;

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (eventId.Id == 10 && Interlocked.Exchange(ref _thrown, 1) == 0)
            {
                throw new InvalidOperationException("the logger failed");
            }

            Captured.Log(logLevel, eventId, state, exception, formatter);
        }

        public void Dispose() => Captured.Dispose();
    }
}
