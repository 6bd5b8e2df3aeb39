using System.Text;
using MitmFixture.Content;
using MitmFixture.Http;

namespace MitmFixture.Tests.Content;

public sealed class ContentViewerTests
{
    // Theories name modes by string: ViewMode is internal and a public test method cannot take it.
    [Theory]
    [InlineData("Pretty", "Raw")]
    [InlineData("Raw", "Hex")]
    [InlineData("Hex", "Pretty")]
    public void Next_EachMode_GivesTheFollowingOne(string mode, string next) =>
        Assert.Equal(Enum.Parse<ViewMode>(next), ContentViewer.Next(Enum.Parse<ViewMode>(mode)));

    [Fact]
    public void Next_ThreeTimes_ComesBackToTheStart()
    {
        var mode = ViewMode.Pretty;
        for (var i = 0; i < 3; i++)
        {
            mode = ContentViewer.Next(mode);
        }

        Assert.Equal(ViewMode.Pretty, mode);
    }

    [Theory]
    [InlineData("Pretty")]
    [InlineData("Raw")]
    [InlineData("Hex")]
    public void Render_BodyNotKept_SaysItWasStreamed(string mode)
    {
        var response = Bodies.Response([]);
        response.Body = null;

        var view = ContentViewer.Render(response, Enum.Parse<ViewMode>(mode));

        Assert.Equal("[content streamed, not kept]", view.Description);
        Assert.Empty(view.Lines);
    }

    [Fact]
    public void Render_StreamedAndNoBytesYet_SaysItIsStreamedNotEmpty()
    {
        var response = Bodies.Response([]);
        response.Stream = true;

        Assert.Equal("[content streamed, not kept]", ContentViewer.Render(response, ViewMode.Pretty).Description);
    }

    [Theory]
    [InlineData("Pretty")]
    [InlineData("Raw")]
    [InlineData("Hex")]
    public void Render_EmptyBody_SaysNoContent(string mode)
    {
        var view = ContentViewer.Render(Bodies.Response([], "application/json"), Enum.Parse<ViewMode>(mode));

        Assert.Equal("[no content]", view.Description);
        Assert.Empty(view.Lines);
    }

    [Fact]
    public void Render_GzipEncodedJson_DecodesThenPrettyPrints()
    {
        var response = Bodies.Response(Bodies.Gzip("{\"a\":1}"u8.ToArray()), "application/json", "gzip");

        var view = ContentViewer.Render(response, ViewMode.Pretty);

        Assert.Equal("[decoded gzip] JSON", view.Description);
        Assert.Equal(["{", "  \"a\": 1", "}"], view.Lines);
    }

    [Fact]
    public void Render_GzipEncodedInRawMode_ShowsTheDecodedBytes()
    {
        var response = Bodies.Response(Bodies.Gzip("{\"a\":1}"u8.ToArray()), "application/json", "gzip");

        var view = ContentViewer.Render(response, ViewMode.Raw);

        Assert.Equal("[decoded gzip] Raw", view.Description);
        Assert.Equal(["{\"a\":1}"], view.Lines);
    }

    [Theory]
    [InlineData("zstd")] // the bytes below are not zstd
    [InlineData("gzip")] // the bytes below are not gzip
    [InlineData("gzip, snappy")]
    public void Render_EncodingThatCannotBeUndone_SaysSoAndShowsTheEncodedBytesAsHex(string encoding)
    {
        var response = Bodies.Response("{\"a\":1}"u8.ToArray(), "application/json", encoding);

        var view = ContentViewer.Render(response, ViewMode.Pretty);

        Assert.Equal($"[cannot decode {encoding}] Hex", view.Description);
        Assert.StartsWith("0000000000 7b 22 61 22", view.Lines[0], StringComparison.Ordinal);
    }

    [Fact]
    public void Render_EncodingThatCannotBeUndoneInRawMode_ShowsTheEncodedBytesRaw()
    {
        var view = ContentViewer.Render(Bodies.Response("abc"u8.ToArray(), "text/plain", "zstd"), ViewMode.Raw);

        Assert.Equal("[cannot decode zstd] Raw", view.Description);
        Assert.Equal(["abc"], view.Lines);
    }

    [Theory]
    [InlineData("application/json", "{\"a\":1}", "JSON")]
    [InlineData("application/problem+json", "{\"a\":1}", "JSON")]
    [InlineData("text/html; charset=utf-8", "<p>hi</p>", "XML/HTML")]
    [InlineData("application/xml", "<a/>", "XML/HTML")]
    [InlineData("image/svg+xml", "<svg xmlns=\"http://www.w3.org/2000/svg\"/>", "XML/HTML")]
    [InlineData("application/x-www-form-urlencoded", "a=1&b=2", "URL-encoded form")]
    [InlineData("multipart/form-data; boundary=x", "--x\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n--x--\r\n", "Multipart form")]
    [InlineData("text/plain", "{\"a\":1}", "Text")]
    [InlineData("text/css", "a { color: red }", "Text")]
    public void Render_ByContentType_PicksTheNamedView(string contentType, string body, string description) =>
        Assert.Equal(description, ContentViewer.Render(Bodies.Response(body, contentType), ViewMode.Pretty).Description);

    [Theory]
    [InlineData(null, "{\"a\":1}", "JSON")]
    [InlineData(null, " \r\n[1,2]", "JSON")]
    [InlineData("application/octet-stream", "<root><a/></root>", "XML/HTML")]
    [InlineData(null, "hello", "Text")]
    [InlineData(null, "{not json", "Text")]
    [InlineData("application/json", "not json", "Text")]
    [InlineData("image/png", "not an image", "Text")]
    [InlineData("application/x-www-form-urlencoded", "", "[no content]")]
    public void Render_WithoutOrWithWrongContentType_SniffsTheBytes(string? contentType, string body, string description) =>
        Assert.Equal(description, ContentViewer.Render(Bodies.Response(body, contentType), ViewMode.Pretty).Description);

    [Fact]
    public void Render_ImageWithoutContentType_IsRecognisedByItsMagic()
    {
        var view = ContentViewer.Render(Bodies.Response(TestImages.Png(16, 16)), ViewMode.Pretty);

        Assert.Equal("Image", view.Description);
        Assert.Equal("PNG image, 16x16", view.Lines[0]);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("text/plain")]
    [InlineData("application/json")]
    public void Render_BinaryBody_FallsBackToHex(string? contentType)
    {
        var view = ContentViewer.Render(Bodies.Response([0x00, 0x01, 0xFF, 0xFE, 0x02, 0x03], contentType), ViewMode.Pretty);

        Assert.Equal("Hex", view.Description);
        // The ASCII column starts where it would after 16 bytes: offset, space, 47 hex columns, 3 spaces.
        Assert.Equal(["0000000000 00 01 ff fe 02 03".PadRight(11 + 47) + "   ......"], view.Lines);
    }

    [Fact]
    public void Render_InvalidUtf8WithoutCharset_IsHexNotText() =>
        Assert.Equal("Hex", ContentViewer.Render(Bodies.Response([(byte)'c', (byte)'a', (byte)'f', 0xE9], "text/plain"), ViewMode.Pretty).Description);

    [Fact]
    public void Render_Latin1Charset_DecodesAsDeclared()
    {
        var view = ContentViewer.Render(Bodies.Response([(byte)'c', (byte)'a', (byte)'f', 0xE9], "text/plain; charset=iso-8859-1"), ViewMode.Pretty);

        Assert.Equal(("Text", "café"), (view.Description, view.Lines.Single()));
    }

    [Fact]
    public void Render_Request_ShowsItsBodyToo()
    {
        var request = HttpRequest.Create("POST", "http://example.com/", "a=1"u8.ToArray(), ("Content-Type", "application/x-www-form-urlencoded"));

        Assert.Equal(["a: 1"], ContentViewer.Render(request, ViewMode.Pretty).Lines);
    }

    [Theory]
    [InlineData("Pretty", "Text")]
    [InlineData("Raw", "Raw")]
    public void Render_MoreLinesThanTheLimit_EndsWithHowManyWereLeftOut(string mode, string description)
    {
        var body = string.Join("\n", Enumerable.Range(1, 10).Select(i => $"line {i}"));

        var view = ContentViewer.Render(Bodies.Response(body, "text/plain"), Enum.Parse<ViewMode>(mode), maxLines: 3);

        Assert.Equal(description, view.Description);
        Assert.Equal(["line 1", "line 2", "line 3", "[… 7 more lines not shown]"], view.Lines);
    }

    [Fact]
    public void Render_LongJson_IsTruncatedAfterPrettyPrinting()
    {
        var json = "[" + string.Join(",", Enumerable.Range(1, 100)) + "]";

        var view = ContentViewer.Render(Bodies.Response(json, "application/json"), ViewMode.Pretty, maxLines: 5);

        Assert.Equal(["[", "  1,", "  2,", "  3,", "  4,", "[… 97 more lines not shown]"], view.Lines);
    }

    [Fact]
    public void Render_LongBodyInHexMode_CountsTheHexLinesLeftOut()
    {
        var view = ContentViewer.Render(Bodies.Response(new byte[16 * 100 + 1]), ViewMode.Hex, maxLines: 2);

        Assert.Equal(3, view.Lines.Count);
        Assert.Equal("[… 99 more lines not shown]", view.Lines[^1]);
    }

    [Fact]
    public void Render_MaxLinesBelowOne_IsRejected() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => ContentViewer.Render(Bodies.Response("a"), ViewMode.Pretty, maxLines: 0));

    [Fact]
    public void Render_HugeTextBody_StaysWithinTheLimit()
    {
        var body = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("0123456789\n", 200_000)));

        var view = ContentViewer.Render(Bodies.Response(body, "text/plain"), ViewMode.Pretty);

        Assert.Equal(5001, view.Lines.Count);
        Assert.Equal("[… 195,000 more lines not shown]", view.Lines[^1]);
    }
}
