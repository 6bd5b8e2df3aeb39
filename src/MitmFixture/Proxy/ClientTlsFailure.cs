using Microsoft.Extensions.Logging;

namespace MitmFixture.Proxy;

/// <summary>
/// Puts a client's failed TLS handshake into words, as mitmproxy's client TLS layer does: most often
/// the client does not trust the proxy's CA, the one failure a user must act on, so it is a warning;
/// a client that hung up during the handshake without a reason is only likely to be that, so it is
/// information.
/// </summary>
internal static class ClientTlsFailure
{
    private static readonly string[] DistrustAlerts = ["unknown ca", "bad certificate", "certificate unknown", "unknownca", "badcertificate", "certificateunknown"];

    public static (LogLevel Level, string Reason) Explain(Exception failure)
    {
        var detail = Innermost(failure).Message;
        if (failure is OperationCanceledException)
        {
            return (LogLevel.Information, "the client did not complete the handshake in time");
        }

        if (DistrustAlerts.Any(alert => detail.Contains(alert, StringComparison.OrdinalIgnoreCase)))
        {
            return (LogLevel.Warning, $"the client does not trust the proxy's certificate ({detail}); give the client the proxy's CA certificate");
        }

        if (detail.Contains("EOF", StringComparison.Ordinal) || detail.Contains("0 bytes", StringComparison.Ordinal))
        {
            return (LogLevel.Information, $"the client disconnected during the handshake; if this happens consistently for this host, the client may not trust the proxy's certificate ({detail})");
        }

        return (LogLevel.Warning, $"the client may not trust the proxy's certificate ({detail})");
    }

    private static Exception Innermost(Exception e)
    {
        while (e.InnerException is { } inner)
        {
            e = inner;
        }

        return e;
    }
}
