using System.Text;
using FsCheck;
using FsCheck.Fluent;
using MitmFixture.Content;

namespace MitmFixture.Tests.Content;

/// <summary>Generated bodies under every content type and mode: a view is always produced, and its lines are always safe to draw.</summary>
public sealed class ContentViewerPropertyTests
{
    private static readonly string?[] ContentTypes =
    [
        null,
        "application/json",
        "application/json; charset=utf-16",
        "text/html",
        "text/xml",
        "image/svg+xml",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        "multipart/form-data",
        "image/png",
        "image/gif",
        "image/jpeg",
        "image/webp",
        "image/x-icon",
        "image/bmp",
        "text/plain",
        "text/plain; charset=shift_jis",
        "text/plain; charset=utf-32",
        "application/octet-stream",
        ";;charset=\"",
    ];

    /// <summary>Fragments of every format the views parse, so generated bodies reach past the first check.</summary>
    private static readonly byte[][] Pieces =
    [
        .. new[]
        {
            "{", "}", "[", "]", "\"", ":", ",", "1e999", "null", "\\u", "\\ud83d", "<", ">", "</", "/>", "<a ", "<br>", "<script>", "</script>",
            "<!--", "-->", "<![CDATA[", "<?xml version=\"1.0\"?>", "<!DOCTYPE x [<!ENTITY a \"b\">]>", "=", "&", "%", "%C3", "+",
            "--x", "--x--", "\r\n", "\n", "\n\n", "\r\n\r\n", "Content-Disposition: form-data; name=\"a\"; filename=\"", "Content-Type: image/png",
            "\t", "\0", "\u001b[2J", "\u202e", "ü", "IHDR", "tEXt", "iTXt", "acTL", "IEND", "GIF89a", "NETSCAPE2.0", "JFIF\0", "Exif\0\0",
            "RIFF", "WEBP", "VP8 ", "VP8L", "VP8X", "BM",
        }.Select(Encoding.UTF8.GetBytes),
        [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A],
        [0xFF, 0xD8, 0xFF],
        [0xFF, 0xC0, 0x00, 0x11],
        [0x00, 0x00, 0x01, 0x00],
        [0x21, 0xFE],
        [0x2C],
        [0x9D, 0x01, 0x2A],
        [0xEF, 0xBB, 0xBF],
        [0xFF, 0xFE],
        [0xFF, 0xFF, 0xFF, 0xFF],
        [0x00, 0x00, 0x00, 0x0D],
    ];

    private static Gen<byte[]> GeneratedBodies() =>
        Gen.ListOf(Gen.OneOf(Gen.Elements(Pieces), ArbMap.Default.GeneratorFor<byte>().Select(b => new[] { b })))
            .Select(parts => parts.SelectMany(p => p).ToArray());

    /// <summary>Real headers with some bytes overwritten: reaches the image readers' deeper branches.</summary>
    private static Gen<byte[]> DamagedImages() =>
        from image in Gen.Elements(
            TestImages.Png(3, 4, ("a", "b")), TestImages.Gif(5, 6, 2, "c"), TestImages.Jpeg(7, 8, comment: "d"),
            TestImages.WebPLossy(1, 2), TestImages.WebPLossless(3, 4), TestImages.WebPExtended(5, 6, 0xFF), TestImages.Bmp(1, -1), TestImages.Ico(16, 0))
        from damage in Gen.ListOf(Gen.Zip(Gen.Choose(0, 400), ArbMap.Default.GeneratorFor<byte>()))
        from cut in Gen.Choose(0, 400)
        select Damage(image, damage, cut);

    [Fact]
    public void Render_AnyBodyAnyContentTypeAnyMode_GivesSafeLinesWithoutThrowing() =>
        Prop.ForAll(
            (from contentType in Gen.Elements(ContentTypes)
             from body in Gen.OneOf(GeneratedBodies(), DamagedImages())
             from maxLines in Gen.Choose(1, 40)
             select (contentType, body, maxLines)).ToArbitrary(),
            sample => AllModesAreSafe(Bodies.Response(sample.body, sample.contentType), sample.maxLines))
        .Check(Config.QuickThrowOnFailure.WithMaxTest(2000));

    [Fact]
    public void Render_AnyGzipOrBrotliLabelledBody_GivesSafeLinesWithoutThrowing() =>
        Prop.ForAll(
            (from encoding in Gen.Elements("gzip", "br", "deflate", "zstd", "gzip, br", "identity", "")
             from body in Gen.OneOf(GeneratedBodies(), GeneratedBodies().Select(Bodies.Gzip))
             select (encoding, body)).ToArbitrary(),
            sample => AllModesAreSafe(Bodies.Response(sample.body, "application/json", sample.encoding), 20))
        .Check(Config.QuickThrowOnFailure.WithMaxTest(500));

    private static bool AllModesAreSafe(MitmFixture.Http.HttpMessage message, int maxLines)
    {
        foreach (var mode in Enum.GetValues<ViewMode>())
        {
            var view = ContentViewer.Render(message, mode, maxLines);
            Assert.DoesNotContain("failed", view.Description, StringComparison.Ordinal);
            Assert.InRange(view.Lines.Count, 0, maxLines + 1);
            foreach (var line in view.Lines)
            {
                Assert.True(IsDrawable(line), $"{mode} {view.Description}: unsafe line {line}");
            }
        }

        return true;
    }

    private static bool IsDrawable(string line)
    {
        if (line.Length > DisplayText.MaxLineLength + 64)
        {
            return false;
        }

        for (var i = 0; i < line.Length; i++)
        {
            if (char.IsHighSurrogate(line[i]) && i + 1 < line.Length && char.IsLowSurrogate(line[i + 1]))
            {
                i++;
            }
            else if (char.IsControl(line[i]) || char.IsSurrogate(line[i]) || line[i] is '\u2028' or '\u2029' or '\u202e')
            {
                return false;
            }
        }

        return true;
    }

    private static byte[] Damage(byte[] image, List<(int Position, byte Value)> damage, int cut)
    {
        var copy = image[..Math.Min(image.Length, Math.Max(cut, image.Length / 2))];
        foreach (var (position, value) in damage)
        {
            if (position < copy.Length)
            {
                copy[position] = value;
            }
        }

        return copy;
    }
}
