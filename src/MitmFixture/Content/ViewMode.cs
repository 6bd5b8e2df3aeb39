namespace MitmFixture.Content;

/// <summary>How the flow view shows a body; the <c>m</c> key cycles through them (<see cref="ContentViewer.Next"/>).</summary>
internal enum ViewMode
{
    /// <summary>mitmproxy's "auto": the view picked by Content-Type, else by sniffing the bytes.</summary>
    Pretty,

    /// <summary>The bytes as text, control characters escaped.</summary>
    Raw,

    /// <summary>A hexdump: offset, 16 bytes in hex, their printable ASCII.</summary>
    Hex,
}
