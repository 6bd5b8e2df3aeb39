using System.Text;
using MitmFixture.Http;

namespace MitmFixture.Flows;

/// <summary>WebSocket message kinds that carry data (RFC 6455 §5.6).</summary>
public enum WebSocketMessageType
{
    Text = 1,
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

    public WebSocketMessage(WebSocketMessageType type, bool fromClient, byte[] content, DateTimeOffset timestamp)
    {
        Type = type;
        FromClient = fromClient;
        Content = content;
        Timestamp = timestamp;
    }

    public WebSocketMessageType Type { get; set; }

    public bool FromClient { get; }

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

    public DateTimeOffset Timestamp { get; }

    /// <summary>Set by an addon to keep the message from reaching the other side (ignored when streaming).</summary>
    public bool Dropped { get; set; }

    /// <summary>True for messages the proxy injected rather than relayed.</summary>
    public bool Injected { get; init; }

    public bool IsText => Type == WebSocketMessageType.Text;

    public string Text
    {
        get => Encoding.UTF8.GetString(Content);
        set => Content = Encoding.UTF8.GetBytes(value);
    }

    public override string ToString() =>
        $"{(FromClient ? "client" : "server")} {(IsText ? Text : Convert.ToHexString(Content))}";
}

/// <summary>The WebSocket part of a flow: every message both ways, and how it closed.</summary>
public sealed class WebSocketData
{
    private readonly List<WebSocketMessage> _messages = [];
    private readonly Lock _gate = new();

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

    public int? CloseCode { get; set; }

    public string? CloseReason { get; set; }

    public bool ClosedByClient { get; set; }

    public DateTimeOffset? TimestampEnd { get; set; }

    public void Add(WebSocketMessage message)
    {
        lock (_gate)
        {
            _messages.Add(message);
        }
    }
}
