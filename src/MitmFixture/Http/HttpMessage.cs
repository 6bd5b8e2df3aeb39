using System.Text;

namespace MitmFixture.Http;

/// <summary>What requests and responses share: version, headers, body, trailers and timestamps.</summary>
public abstract class HttpMessage
{
    private byte[]? _decodedCache;
    private byte[]? _decodedFor;
    private string? _decodedWith;
    private string? _decodeProblem;
    private byte[]? _body = [];
    private SegmentedBody? _segmentedBody;
    private Lock? _bodyGate;

    /// <summary>The protocol version, e.g. <c>HTTP/1.1</c>.</summary>
    public string HttpVersion { get; set; } = "HTTP/1.1";

    /// <summary>The header fields, in wire order.</summary>
    public HttpHeaders Headers { get; set; } = new();

    /// <summary>
    /// The body as received on the wire (still content-encoded), or null when it was streamed
    /// through without being kept (mitmproxy's <c>raw_content is None</c>).
    /// </summary>
    /// <remarks>
    /// A large body the proxy read without knowing its length is kept in the segments it arrived in
    /// and becomes one array only when this is first read (issue 19): forwarding it never needs that copy.
    /// </remarks>
    public byte[]? Body
    {
        get
        {
            if (_bodyGate is not { } gate)
            {
                return _body;
            }

            lock (gate)
            {
                if (_segmentedBody is { } segmented)
                {
                    _body = segmented.ToArray();
                    _segmentedBody = null;
                }

                return _body;
            }
        }
        set
        {
            if (_bodyGate is not { } gate)
            {
                _body = value;
                return;
            }

            lock (gate)
            {
                _body = value;
                _segmentedBody = null;
            }
        }
    }

    /// <summary>The size of <see cref="Body"/> in bytes, without joining a segmented body into one array; null when streamed.</summary>
    public long? BodyLength
    {
        get
        {
            if (_bodyGate is not { } gate)
            {
                return _body?.Length;
            }

            lock (gate)
            {
                return _segmentedBody?.Length ?? _body?.Length;
            }
        }
    }

    /// <summary>The body when it is held as one array (the usual case), for writing it without a segment list; else null.</summary>
    internal byte[]? WholeBodyForWriting
    {
        get
        {
            if (_bodyGate is not { } gate)
            {
                return _body;
            }

            lock (gate)
            {
                return _segmentedBody is null ? _body : null;
            }
        }
    }

    /// <summary>The body as it is held, for writing it out slice by slice without a contiguous copy; null when streamed.</summary>
    internal SegmentedBody? BodyForWriting
    {
        get
        {
            if (_bodyGate is not { } gate)
            {
                return _body is null ? null : new SegmentedBody([_body], _body.Length);
            }

            lock (gate)
            {
                return _segmentedBody ?? (_body is null ? null : new SegmentedBody([_body], _body.Length));
            }
        }
    }

    /// <summary>Sets the body the proxy read; a single array is kept as <see cref="Body"/> directly.</summary>
    internal void SetReceivedBody(SegmentedBody body)
    {
        if (body.SingleArray is { } array)
        {
            Body = array;
            return;
        }

        _bodyGate ??= new Lock();
        lock (_bodyGate)
        {
            _body = null;
            _segmentedBody = body;
        }
    }

    /// <summary>Chunked-encoding trailers, when the message had any.</summary>
    public HttpHeaders? Trailers { get; set; }

    /// <summary>
    /// Set by an addon in a headers hook (or by <c>stream_large_bodies</c>) so the body is forwarded
    /// as it arrives and never buffered whole, as in the seed's "Customizing Streaming".
    /// </summary>
    public bool Stream { get; set; }

    /// <summary>When the message's first byte arrived.</summary>
    public DateTimeOffset? TimestampStart { get; set; }

    /// <summary>When the message's last byte arrived.</summary>
    public DateTimeOffset? TimestampEnd { get; set; }

    /// <summary>
    /// How far <see cref="DecodedBody"/> may expand the body (<see cref="HttpLimits.MaxDecodedBodyBytes"/>;
    /// the proxy sets it from its options on every message it parses).
    /// </summary>
    public long MaxDecodedBodyBytes { get; set; } = HttpLimits.DefaultMaxDecodedBodyBytes;

    /// <summary>
    /// The body with its Content-Encoding undone; the raw body when it cannot be decoded (unknown
    /// coding, corrupt data, or expanding past <see cref="MaxDecodedBodyBytes"/>: see <see cref="DecodeProblem"/>).
    /// The one decode path: recording, filters, modify_body, replay matching, snapshots and the console read bodies here.
    /// </summary>
    public byte[]? DecodedBody
    {
        get
        {
            if (Body is null)
            {
                return null;
            }

            var encoding = Headers.Get("Content-Encoding");
            if (ReferenceEquals(_decodedFor, Body) && _decodedCache is not null && _decodedWith == encoding)
            {
                return _decodedCache;
            }

            var decoded = ContentEncoding.TryDecode(Body, encoding, MaxDecodedBodyBytes, out var result, out var problem) ? result : Body;
            _decodedFor = Body;
            _decodedWith = encoding;
            _decodedCache = decoded;
            _decodeProblem = problem;
            return decoded;
        }
    }

    /// <summary>Why <see cref="DecodedBody"/> is the encoded body, or null when it decoded (or needed no decoding).</summary>
    public string? DecodeProblem
    {
        get
        {
            _ = DecodedBody;
            return _decodeProblem;
        }
    }

    /// <summary>Shares <paramref name="source"/>'s body and decoding (limit and cached result) with this copy, which holds the same body.</summary>
    protected void CopyBodyFrom(HttpMessage source)
    {
        if (source.BodyForWriting is { } body)
        {
            SetReceivedBody(body); // shares the source's arrays, as a copy of Body would share its one array
        }
        else
        {
            Body = null;
        }

        MaxDecodedBodyBytes = source.MaxDecodedBodyBytes;
        _decodedFor = source._decodedFor;
        _decodedWith = source._decodedWith;
        _decodedCache = source._decodedCache;
        _decodeProblem = source._decodeProblem;
    }

    /// <summary>
    /// The decoded body as text: a byte order mark decides the encoding (and is not part of the
    /// text), else the Content-Type's charset, else UTF-8; invalid bytes become U+FFFD.
    /// </summary>
    public string? Text
    {
        get
        {
            var body = DecodedBody;
            return body is null ? null : BodyCharset.Decode(body, Headers.Get("Content-Type"));
        }
    }

    /// <summary>Replaces the body with <paramref name="decoded"/>, re-applying the message's Content-Encoding.</summary>
    public void SetDecodedBody(byte[] decoded)
    {
        var encoding = Headers.Get("Content-Encoding");
        if (string.IsNullOrEmpty(encoding) || !ContentEncoding.TryEncode(decoded, encoding, out var encoded))
        {
            Body = decoded;
            if (!string.IsNullOrEmpty(encoding) && !ContentEncoding.IsIdentity(encoding))
            {
                // An encoding we cannot produce: send the body plain and say so.
                Headers.Remove("Content-Encoding");
            }

            return;
        }

        Body = encoded;
    }

    /// <summary>Sets the body to <paramref name="text"/>, in the Content-Type's charset and re-encoded with the message's Content-Encoding.</summary>
    public void SetText(string text) =>
        SetDecodedBody(CharsetOf(Headers.Get("Content-Type")).GetBytes(text));

    /// <summary>The Content-Type header, when present.</summary>
    public string? ContentType => Headers.Get("Content-Type");

    /// <summary>
    /// The charset the Content-Type names, through the one Content-Type parser (quoted values,
    /// legacy code pages such as windows-1252 included); UTF-8 when absent or unknown.
    /// </summary>
    internal static Encoding CharsetOf(string? contentType) => ContentTypeHeader.Parse(contentType).Charset ?? Encoding.UTF8;
}
