namespace MitmFixture.Http;

/// <summary>
/// A message head the proxy refuses to write: its start line or a field holds CR, LF or NUL (or a
/// name that is not a token). It becomes an error on the flow; nothing of the head reaches the wire.
/// </summary>
internal sealed class UnsafeHeadException(string message) : Exception(message);
