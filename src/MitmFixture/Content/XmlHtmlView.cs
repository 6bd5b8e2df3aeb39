using System.Xml;
using System.Xml.Linq;

using MitmFixture.Http;

namespace MitmFixture.Content;

/// <summary>
/// XML and HTML, one element per line and indented. Well-formed XML goes through
/// System.Xml.Linq; everything else (HTML, fragments, broken markup) through a tolerant
/// tokenizer that only changes whitespace, like mitmproxy's xml_html view.
/// </summary>
internal static class XmlHtmlView
{
    public const string Name = "XML/HTML";

    /// <summary>No DTDs: an entity expansion bomb or an external entity must not run while someone looks at a flow.</summary>
    private static readonly XmlReaderSettings Safe = new()
    {
        DtdProcessing = DtdProcessing.Prohibit,
        XmlResolver = null,
        IgnoreWhitespace = true, // the indentation between elements is what gets redone
    };

    public static bool TryRender(byte[] body, ContentTypeHeader contentType, LineCollector lines)
    {
        if (!TextDecoding.TryDecode(body, contentType.Charset, lenient: true, out var text))
        {
            return false;
        }

        if (TryIndentXml(text) is { } xml)
        {
            lines.AddText(xml);
        }
        else
        {
            MarkupFormatter.Format(MarkupTokenizer.Tokenize(text), lines);
        }

        return true;
    }

    private static string? TryIndentXml(string text)
    {
        try
        {
            using var reader = XmlReader.Create(new StringReader(text), Safe);
            var document = XDocument.Load(reader, LoadOptions.None);
            var body = document.ToString(SaveOptions.None);
            return document.Declaration is { } declaration ? declaration + "\n" + body : body;
        }
        catch (Exception e) when (e is XmlException or InvalidOperationException or ArgumentException)
        {
            return null;
        }
    }
}
