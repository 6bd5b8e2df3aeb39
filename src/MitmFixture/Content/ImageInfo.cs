namespace MitmFixture.Content;

/// <summary>What an image's header says about it (never its pixels), e.g. "PNG image, 16x16" and "Bit depth: 8".</summary>
internal sealed record ImageInfo(string Format, long Width, long Height, IReadOnlyList<KeyValuePair<string, string>> Details)
{
    public string Summary => $"{Format} image, {Width}x{Height}";
}
