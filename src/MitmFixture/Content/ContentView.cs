namespace MitmFixture.Content;

/// <summary>
/// A rendered body: what it was shown as (e.g. "JSON", "[decoded gzip] JSON", "[no content]") and
/// plain-text lines without tabs or control characters, ready for the UI to escape and draw.
/// </summary>
internal sealed record ContentView(string Description, IReadOnlyList<string> Lines);
