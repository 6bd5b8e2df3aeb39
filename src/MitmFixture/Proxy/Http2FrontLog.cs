using Microsoft.Extensions.Logging;

namespace MitmFixture.Proxy;

/// <summary>
/// Kestrel's logger factory for the HTTP/2 front: its entries go to the proxy's own log instead of
/// nowhere. Kestrel logs a client's protocol errors (a malformed frame, an HPACK error, a bad
/// request, a client too slow to read) at Debug, as a server that expects well-behaved browsers; a
/// proxy's user wants them as mitmproxy shows them, next to the HTTP/1.1 side's malformed requests
/// (<see cref="ProxyLog.BadRequest"/>, Information). Those are raised to Information; the rest keep
/// their level, except once the proxy is shutting down (<paramref name="shutdown"/>): what Kestrel
/// then reports about connections cut under it (a write to a closed socket) is Debug.
/// </summary>
internal sealed class Http2FrontLog(ILogger target, CancellationToken shutdown) : ILoggerFactory
{
    /// <summary>Kestrel's event names (KestrelTrace) for what a client did wrong.</summary>
    private static readonly HashSet<string> ClientErrors =
    [
        "Http2ConnectionError",
        "Http2StreamError",
        "HPackDecodingError",
        "ConnectionBadRequest",
        "RequestBodyMinimumDataRateNotSatisfied",
        "ResponseMinimumDataRateNotSatisfied",
    ];

    public ILogger CreateLogger(string categoryName) => new Forwarder(target, shutdown);

    public void AddProvider(ILoggerProvider provider)
    {
        // The target logger's own factory decides where entries go.
    }

    public void Dispose()
    {
    }

    private sealed class Forwarder(ILogger target, CancellationToken shutdown) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => target.IsEnabled(logLevel) || (logLevel == LogLevel.Debug && target.IsEnabled(LogLevel.Information));

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (eventId.Name is { } name && ClientErrors.Contains(name))
            {
                if (target.IsEnabled(LogLevel.Information))
                {
                    var connection = (state as IReadOnlyList<KeyValuePair<string, object?>>)?.FirstOrDefault(f => f.Key == "ConnectionId").Value as string ?? "?";
                    var reason = exception?.Message ?? formatter(state, exception); // the exception says what was wrong; the message only that something was
                    ProxyLog.Http2ClientError(target, connection, reason);
                }

                return;
            }

            if (shutdown.IsCancellationRequested && logLevel > LogLevel.Debug)
            {
                logLevel = LogLevel.Debug;
            }

            if (target.IsEnabled(logLevel))
            {
                var message = exception is null ? formatter(state, exception) : $"{formatter(state, exception)} {exception.Message}";
                ProxyLog.Http2Front(target, logLevel, message);
            }
        }
    }
}
