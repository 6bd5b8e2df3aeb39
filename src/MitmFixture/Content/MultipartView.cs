using MitmFixture.Http;

namespace MitmFixture.Content;

/// <summary>
/// multipart/form-data, part by part: a heading with the part's name, file name and type, then
/// its text indented, or for binary content its size (and what image it is, when it is one).
/// </summary>
internal static class MultipartView
{
    public const string Name = "Multipart form";

    private const string Indent = "  ";

    public static bool TryRender(byte[] body, ContentTypeHeader contentType, LineCollector lines)
    {
        if (!MultipartBody.TryParse(body, contentType, out var parts) || parts.Count == 0)
        {
            return false;
        }

        for (var i = 0; i < parts.Count; i++)
        {
            lines.Add($"Part {i + 1}: {Heading(parts[i])}");
            AddContent(parts[i], lines);
        }

        return true;
    }

    private static string Heading(MultipartBody.Part part)
    {
        var facts = new List<string>(3);
        if (part.Name is { } name)
        {
            facts.Add($"name \"{name}\"");
        }

        if (part.FileName is { } fileName)
        {
            facts.Add($"file \"{fileName}\"");
        }

        if (part.ContentType.MediaType is { Length: > 0 } type)
        {
            facts.Add(type);
        }

        return facts.Count == 0 ? "(no name)" : string.Join(", ", facts);
    }

    private static void AddContent(MultipartBody.Part part, LineCollector lines)
    {
        var size = part.Content.Length == 1 ? "1 byte" : $"{part.Content.Length:N0} bytes";
        if (part.Content.Length == 0)
        {
            lines.Add(Indent + "(empty)");
        }
        else if (ImageFormats.TryIdentify(part.Content, out var image))
        {
            lines.Add($"{Indent}{image.Summary} ({size})");
        }
        else if (TextDecoding.TryDecode(part.Content, part.ContentType.Charset, lenient: false, out var text))
        {
            lines.AddText(text, Indent);
        }
        else
        {
            lines.Add($"{Indent}({size} of binary data)");
        }
    }
}
