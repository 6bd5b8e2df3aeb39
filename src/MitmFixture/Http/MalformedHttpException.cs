namespace MitmFixture.Http;

/// <summary>Why a peer's HTTP message was refused; each maps to one status code (Kestrel's RequestRejectionReason).</summary>
internal enum RejectionReason
{
    InvalidRequestLine,
    InvalidRequestTarget,
    UnsupportedHttpVersion,
    InvalidHeaderLine,
    ObsoleteLineFolding,
    BareLineFeed,
    HeadersTooLarge,
    TooManyHeaders,
    InvalidContentLength,
    ConflictingContentLength,
    ContentLengthWithTransferEncoding,
    UnsupportedTransferEncoding,
    InvalidChunk,
    BodyTooLarge,
    TruncatedBody,
    InvalidStatusLine,
    InvalidConnectTarget,
    MissingHost,
}

/// <summary>A protocol violation by the client or the server; the message is safe to show to the peer.</summary>
internal sealed class MalformedHttpException : Exception
{
    public MalformedHttpException(RejectionReason reason, string message)
        : base(message) => Reason = reason;

    public RejectionReason Reason { get; }

    /// <summary>The status the proxy answers a client with for this violation.</summary>
    public int StatusCode => Reason switch
    {
        RejectionReason.HeadersTooLarge or RejectionReason.TooManyHeaders => 431,
        RejectionReason.UnsupportedHttpVersion => 505,
        RejectionReason.UnsupportedTransferEncoding => 501,
        RejectionReason.BodyTooLarge => 413,
        _ => 400,
    };
}
