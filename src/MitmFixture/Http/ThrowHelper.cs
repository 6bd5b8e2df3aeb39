using System.Diagnostics.CodeAnalysis;

namespace MitmFixture.Http;

/// <summary>
/// Throws <see cref="MalformedHttpException"/> out of line, so parsers stay small enough to inline
/// (Kestrel's KestrelBadHttpRequestException.Throw). It lives beside the exception it throws: in
/// <c>Internal/</c> it made Http and Internal use each other.
/// </summary>
internal static class ThrowHelper
{
    [DoesNotReturn]
    public static void Protocol(RejectionReason reason, string message) =>
        throw new MalformedHttpException(reason, message);
}
