using System.Text;

namespace MitmFixture.Http;

/// <summary>
/// What a WebSocket close frame may carry (RFC 6455 §5.5.1, §7.4): one definition for the frames a
/// peer sends through the proxy and for the close a cassette records.
/// </summary>
internal static class WebSocketClose
{
    /// <summary>A close frame without a code is read as this (RFC 6455 §7.1.5); it is never sent.</summary>
    public const int NoStatus = 1005;

    /// <summary>A control frame's payload is at most 125 bytes (§5.5), 2 of them the code.</summary>
    public const int MaxReasonBytes = 123;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>
    /// Whether an endpoint may send <paramref name="code"/>: 1000-1003 and 1007-1011 (§7.4.1), 1012-1014
    /// (IANA's registry), 3000-4999 (§7.4.2: libraries, applications, private use). 1004 is reserved,
    /// 1005, 1006 and 1015 MUST NOT be sent, the rest of 1000-2999 is unassigned and the rest unused.
    /// The same set .NET's WebSocket accepts from a peer; wsproto (mitmproxy's) accepts it but 1014.
    /// </summary>
    public static bool MaySend(int code) => code is (>= 1000 and <= 1003) or (>= 1007 and <= 1014) or (>= 3000 and <= 4999);

    /// <summary>
    /// Checks a received close frame's payload, as wsproto does for mitmproxy: empty, or a code an
    /// endpoint may send followed by UTF-8 text.
    /// </summary>
    /// <exception cref="WebSocketProtocolException">1002 for a one-byte payload or a code no endpoint may send, 1007 for a reason that is not UTF-8 (§8.1).</exception>
    public static void Check(ReadOnlySpan<byte> payload)
    {
        if (payload.Length == 1)
        {
            throw new WebSocketProtocolException(1002, "close frame with a 1-byte payload (a code takes 2)");
        }

        if (payload.Length < 2)
        {
            return;
        }

        var code = (payload[0] << 8) | payload[1];
        if (!MaySend(code))
        {
            throw new WebSocketProtocolException(1002, $"close code {code} is not one an endpoint may send (RFC 6455 §7.4)");
        }

        try
        {
            _ = StrictUtf8.GetCharCount(payload[2..]);
        }
        catch (DecoderFallbackException)
        {
            throw new WebSocketProtocolException(1007, "close reason is not UTF-8");
        }
    }

    /// <summary>
    /// Why a recorded close code cannot stand, or null: one an endpoint may send, or
    /// <see cref="NoStatus"/>, which the proxy records for a close frame that had none.
    /// </summary>
    public static string? CodeProblem(int? code) =>
        code is { } c && c != NoStatus && !MaySend(c)
            ? $"the close code is {c}; expected one an endpoint may send (1000-1003, 1007-1014, 3000-4999; RFC 6455 §7.4), or 1005 for a close frame without a code"
            : null;

    /// <summary>Why a recorded close reason cannot stand, or null: at most <see cref="MaxReasonBytes"/> bytes of UTF-8, and none without a code.</summary>
    public static string? ReasonProblem(int? code, string? reason)
    {
        if (string.IsNullOrEmpty(reason))
        {
            return null;
        }

        if (code is null or NoStatus)
        {
            return "a close reason without a close code; a close frame carries a reason only after its code (RFC 6455 §5.5.1)";
        }

        var bytes = Encoding.UTF8.GetByteCount(reason);
        return bytes > MaxReasonBytes ? $"the close reason is {bytes} bytes of UTF-8; expected at most {MaxReasonBytes} (a close frame's payload is at most 125 bytes, 2 of them the code; RFC 6455 §5.5)" : null;
    }

    /// <summary><paramref name="reason"/> cut, on a character boundary, to what a close frame holds: what is sent is what is recorded.</summary>
    public static string FitReason(string reason)
    {
        while (Encoding.UTF8.GetByteCount(reason) > MaxReasonBytes)
        {
            reason = reason[..^(char.IsLowSurrogate(reason[^1]) && reason.Length > 1 ? 2 : 1)];
        }

        return reason;
    }
}
