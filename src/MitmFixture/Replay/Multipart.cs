using System.Text;

namespace MitmFixture.Replay;

/// <summary>Just enough multipart/form-data parsing to compare bodies without their random boundary.</summary>
internal static class Multipart
{
    public sealed record Part(string? Name, string? FileName, string? ContentType, byte[] Content);

    public static bool TryParse(string contentType, byte[] body, out List<Part> parts)
    {
        parts = [];
        var boundary = contentType.Split(';').Select(p => p.Trim()).FirstOrDefault(p => p.StartsWith("boundary=", StringComparison.OrdinalIgnoreCase))?["boundary=".Length..].Trim('"');
        if (string.IsNullOrEmpty(boundary))
        {
            return false;
        }

        var text = Encoding.Latin1.GetString(body); // byte-preserving
        var delimiter = "--" + boundary;
        var sections = text.Split(delimiter);
        if (sections.Length < 2)
        {
            return false;
        }

        foreach (var section in sections.Skip(1))
        {
            if (section.StartsWith("--", StringComparison.Ordinal))
            {
                break; // the closing delimiter
            }

            var headEnd = section.IndexOf("\r\n\r\n", StringComparison.Ordinal);
            if (headEnd < 0)
            {
                return false;
            }

            var head = section[..headEnd];
            var content = section[(headEnd + 4)..];
            if (content.EndsWith("\r\n", StringComparison.Ordinal))
            {
                content = content[..^2];
            }

            string? name = null, fileName = null, type = null;
            foreach (var line in head.Split("\r\n", StringSplitOptions.RemoveEmptyEntries))
            {
                if (line.StartsWith("Content-Disposition:", StringComparison.OrdinalIgnoreCase))
                {
                    name = Parameter(line, "name");
                    fileName = Parameter(line, "filename");
                }
                else if (line.StartsWith("Content-Type:", StringComparison.OrdinalIgnoreCase))
                {
                    type = line["Content-Type:".Length..].Trim();
                }
            }

            parts.Add(new Part(name, fileName, type, Encoding.Latin1.GetBytes(content)));
        }

        return true;
    }

    private static string? Parameter(string line, string name)
    {
        foreach (var piece in line.Split(';'))
        {
            var p = piece.Trim();
            if (p.StartsWith(name + "=", StringComparison.OrdinalIgnoreCase))
            {
                return p[(name.Length + 1)..].Trim('"');
            }
        }

        return null;
    }
}
