using System.Text;
using MitmFixture.Http;

namespace MitmFixture.Flows;

/// <summary>WebSocket message kinds that carry data (RFC 6455 §5.6).</summary>
public enum WebSocketMessageType
{
    /// <summary>A UTF-8 text message.</summary>
    Text = 1,
    /// <summary>A binary message.</summary>
    Binary = 2,
}

/// <summary>One WebSocket data message, reassembled from its frames.</summary>
public sealed class WebSocketMessage
{
    private readonly Lock _contentGate = new();
    private byte[]? _content;
    private SegmentedBody? _segmentedContent;

    /// <summary>A message reassembled from fragments, kept in the segments it arrived in until <see cref="Content"/> is read.</summary>
    internal WebSocketMessage(WebSocketMessageType type, bool fromClient, SegmentedBody content, DateTimeOffset timestamp)
    {
        Type = type;
        FromClient = fromClient;
        _content = content.SingleArray;
        _segmentedContent = _content is null ? content : null;
        Timestamp = timestamp;
    }

    /// <summary>A message of <paramref name="type"/> sent by the client when <paramref name="fromClient"/>, else by the server.</summary>
    public WebSocketMessage(WebSocketMessageType type, bool fromClient, byte[] content, DateTimeOffset timestamp)
    {
        Type = type;
        FromClient = fromClient;
        Content = content;
        Timestamp = timestamp;
    }

    /// <summary>Text or binary.</summary>
    public WebSocketMessageType Type { get; set; }

    /// <summary>True when the client sent the message, false when the server did.</summary>
    public bool FromClient { get; }

    /// <summary>The message's payload (all fragments joined).</summary>
    /// <remarks>
    /// A large fragmented message is held in the segments it arrived in and joined into one array
    /// only when this is first read (issue 19), so relaying it untouched costs its size once.
    /// </remarks>
    public byte[] Content
    {
        get
        {
            lock (_contentGate)
            {
                if (_segmentedContent is { } segmented)
                {
                    _content = segmented.ToArray();
                    _segmentedContent = null;
                }

                return _content!; // one of the two is always set
            }
        }

        set
        {
            lock (_contentGate)
            {
                _content = value;
                _segmentedContent = null;
            }
        }
    }

    /// <summary>The content as it is held, for sending it without joining its segments.</summary>
    internal SegmentedBody ContentForWriting
    {
        get
        {
            lock (_contentGate)
            {
                return _segmentedContent ?? new SegmentedBody([_content!], _content!.Length); // one of the two is always set
            }
        }
    }

    /// <summary>When the proxy received the message.</summary>
    public DateTimeOffset Timestamp { get; }

    /// <summary>Set by an addon to keep the message from reaching the other side (ignored when streaming).</summary>
    public bool Dropped { get; set; }

    /// <summary>True for messages the proxy injected rather than relayed.</summary>
    public bool Injected { get; init; }

    /// <summary>True for a text message.</summary>
    public bool IsText => Type == WebSocketMessageType.Text;

    /// <summary>The payload as UTF-8 text; setting it replaces the payload.</summary>
    public string Text
    {
        get => Encoding.UTF8.GetString(Content);
        set => Content = Encoding.UTF8.GetBytes(value);
    }

    /// <inheritdoc/>
    public override string ToString() =>
        $"{(FromClient ? "client" : "server")} {(IsText ? Text : Convert.ToHexString(Content))}";
}

/// <summary>The WebSocket part of a flow: every message both ways, and how it closed.</summary>
public sealed class WebSocketData
{
    private readonly List<WebSocketMessage> _messages = [];
    private readonly Lock _gate = new();

    /// <summary>The messages so far, in the order they were received.</summary>
    public IReadOnlyList<WebSocketMessage> Messages
    {
        get
        {
            lock (_gate)
            {
                return _messages.ToArray();
            }
        }
    }

    /// <summary>The close frame's status code, when one was received.</summary>
    public int? CloseCode { get; set; }

    /// <summary>The close frame's reason, when one was received.</summary>
    public string? CloseReason { get; set; }

    /// <summary>True when the client sent the first close frame.</summary>
    public bool ClosedByClient { get; set; }

    /// <summary>When the WebSocket connection ended.</summary>
    public DateTimeOffset? TimestampEnd { get; set; }

    /// <summary>Appends <paramref name="message"/>.</summary>
    public void Add(WebSocketMessage message)
    {
        lock (_gate)
        {
            _messages.Add(message);
        }
    }
}
