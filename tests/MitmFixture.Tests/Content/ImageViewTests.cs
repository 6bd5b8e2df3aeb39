using MitmFixture.Content;

namespace MitmFixture.Tests.Content;

public sealed class ImageViewTests
{
    public static TheoryData<string, byte[], string> Images => new()
    {
        { "png", TestImages.Png(16, 32), "PNG image, 16x32" },
        { "gif", TestImages.Gif(640, 480, frames: 1), "GIF image, 640x480" },
        { "jpeg", TestImages.Jpeg(1920, 1080), "JPEG image, 1920x1080" },
        { "webp lossy", TestImages.WebPLossy(300, 200), "WebP image, 300x200" },
        { "webp lossless", TestImages.WebPLossless(16383, 1), "WebP image, 16383x1" },
        { "webp extended", TestImages.WebPExtended(5000, 4000, 0x12), "WebP image, 5000x4000" },
        { "bmp", TestImages.Bmp(10, 20), "BMP image, 10x20" },
        { "ico", TestImages.Ico(16, 48, 32), "ICO image, 48x48" },
        { "ico 256", TestImages.Ico(0), "ICO image, 256x256" },
    };

    [Theory]
    [MemberData(nameof(Images))]
    public void TryRender_EachFormat_SummarisesFormatAndSize(string format, byte[] image, string summary)
    {
        _ = format;
        Assert.Equal(summary, Render(image)?[0]);
    }

    [Fact]
    public void TryRender_Png_ListsHeaderFieldsAndTextChunks()
    {
        var lines = Render(TestImages.Png(1, 1, ("Software", "mitmfixture"), ("Comment", "line one\nline two")));

        Assert.Equal(
            ["PNG image, 1x1", "Bit depth: 8", "Color type: RGB with alpha", "Interlaced: no", "Software: mitmfixture", "Comment: line one", "line two"],
            lines);
    }

    [Fact]
    public void TryRender_AnimatedGif_CountsFramesAndShowsComment()
    {
        var lines = Render(TestImages.Gif(2, 2, frames: 3, comment: "made by hand"))!;

        Assert.Contains("Frames: 3", lines);
        Assert.Contains("Looping: yes", lines);
        Assert.Contains("Comment: made by hand", lines);
        Assert.Contains("Global color table: 2 colors", lines);
    }

    [Fact]
    public void TryRender_ProgressiveJpeg_SaysSoAndShowsJfifAndComment()
    {
        var lines = Render(TestImages.Jpeg(8, 8, progressive: true, comment: "hello"))!;

        Assert.Contains("Process: progressive", lines);
        Assert.Contains("JFIF version: 1.02", lines);
        Assert.Contains("Comment: hello", lines);
        Assert.Contains("Components: 3 (YCbCr)", lines);
    }

    [Fact]
    public void TryRender_ExtendedWebP_ListsItsFeatures() =>
        Assert.Contains("Features: animation, alpha", Render(TestImages.WebPExtended(1, 1, 0x12))!);

    [Fact]
    public void TryRender_TopDownBmp_ReportsPositiveHeightAndRowOrder()
    {
        var lines = Render(TestImages.Bmp(4, -3))!;

        Assert.Equal("BMP image, 4x3", lines[0]);
        Assert.Contains("Row order: top-down", lines);
    }

    [Fact]
    public void TryRender_BmpWithMostNegativeHeight_DoesNotOverflow() =>
        Assert.Equal("BMP image, 1x2147483648", Render(TestImages.Bmp(1, int.MinValue))?[0]);

    [Fact]
    public void TryRender_Ico_ListsEveryImage() =>
        Assert.Contains("Image 2: 48x48, 32 bits per pixel, PNG", Render(TestImages.Ico(16, 48))!);

    [Theory]
    [MemberData(nameof(Images))]
    public void TryRender_EveryPrefixOfAnImage_NeverThrows(string format, byte[] image, string summary)
    {
        _ = (format, summary);
        for (var length = 0; length < image.Length; length++)
        {
            Render(image[..length]);
        }
    }

    [Theory]
    [InlineData(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A })]
    [InlineData(new byte[] { 0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x02, 0xFF, 0xD9 })] // no frame header
    [InlineData(new byte[] { (byte)'B', (byte)'M', 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 99, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 })]
    [InlineData(new byte[] { 0, 0, 1, 0, 1, 0, 16, 16, 0, 0, 1, 0, 32, 0, 255, 255, 0, 0, 22, 0, 0, 0 })] // image beyond the end
    [InlineData(new byte[] { (byte)'h', (byte)'i' })]
    public void TryRender_NotAnImageOrTooBroken_ReturnsFalseAndAddsNothing(byte[] data)
    {
        var lines = new LineCollector(100);

        Assert.False(ImageView.TryRender(data, lines));
        Assert.Empty(lines.ToList());
    }

    private static IReadOnlyList<string>? Render(byte[] image)
    {
        var lines = new LineCollector(100);
        return ImageView.TryRender(image, lines) ? lines.ToList() : null;
    }
}
