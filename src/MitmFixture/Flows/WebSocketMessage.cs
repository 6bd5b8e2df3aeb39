using System.Text;

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
    public WebSocketMessage(WebSocketMessageType type, bool fromClient, byte[] content, DateTimeOffset timestamp)
    {
        Type = type;
        FromClient = fromClient;
        Content = content;
        Timestamp = timestamp;
    }

    public WebSocketMessageType Type { get; set; }

    public bool FromClient { get; }

    public byte[] Content { get; set; }

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
