using System.Diagnostics.CodeAnalysis;
using MitmFixture.Http;

namespace MitmFixture.Internal;

internal static class ThrowHelper
{
    [DoesNotReturn]
    public static void Protocol(RejectionReason reason, string message) =>
        throw new MalformedHttpException(reason, message);
}
