using MitmFixture.Cassettes;
using MitmFixture.Tests.Support;

namespace MitmFixture.Tests.Cassettes;

/// <summary>A cassette is untrusted input: every field that reaches a message head is checked on load, with file, line, JSON path and reason.</summary>
public sealed class CassetteValidatorTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("mitmfixture-hostile-").FullName;

    public static TheoryData<string, string, string, string> Fields => HostileCassettes.Fields;

    public static TheoryData<string, string> Structures => HostileCassettes.Structures;

    [Fact]
    public void Load_ValidTemplate_Loads()
    {
        var flow = Assert.Single(Cassette.Load(Write(HostileCassettes.Valid())).Flows);
        Assert.Equal("recorded", flow.Response!.Text);
    }

    // What peers send (1000, 1001, 1011, the registry's 1012-1014, applications' 3000-4999) and what the
    // proxy records for a close frame without a code (1005); a reason of 123 bytes is a full close frame.
    [Theory]
    [InlineData("1000", "\"done\"")]
    [InlineData("1001", "\"\"")]
    [InlineData("1005", "\"\"")]
    [InlineData("1005", "null")]
    [InlineData("1011", "\"oops\"")]
    [InlineData("1014", "null")]
    [InlineData("3000", "\"x\"")]
    [InlineData("4999", "\"a\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\"")]
    [InlineData("null", "null")]
    public void Load_WebSocketCloseAPeerCanSend_Loads(string code, string reason)
    {
        var flow = Assert.Single(Cassette.Load(Write(HostileCassettes.With(8080, "web_socket", $", \"web_socket\": {{ \"close_code\": {code}, \"close_reason\": {reason} }}"))).Flows);

        Assert.Equal(code == "null" ? null : int.Parse(code, System.Globalization.CultureInfo.InvariantCulture), flow.WebSocket!.CloseCode);
        Assert.True(System.Text.Encoding.UTF8.GetByteCount(flow.WebSocket.CloseReason ?? "") <= 123);
    }

    [Fact]
    public void Load_HtabInHeaderValue_IsAllowed()
    {
        var flow = Assert.Single(Cassette.Load(Write(HostileCassettes.With(8080, "request_header", "\"X-Test: a\\tb\""))).Flows);
        Assert.Equal("a\tb", flow.Request.Headers.Get("X-Test"));
    }

    [Fact]
    public void Load_CrInHeaderValue_MessageAsTheReadmeShowsIt()
    {
        var path = Write(HostileCassettes.With(8080, "request_header", "\"X-Test: plain\\r\\nX-Injected: 1\""));

        var error = Assert.Throws<CassetteFormatException>(() => Cassette.Load(path));

        Assert.Equal($"{path}:{HostileCassettes.LineOf("request_header")} at $.flows[0].request.headers[1]: the value of header 'X-Test' has a CR (0x0D) at offset 5", error.Message);
    }

    [Theory]
    [MemberData(nameof(Fields))]
    public void Load_HostileField_RefusedWithFileLinePathAndReason(string field, string value, string jsonPath, string reason)
    {
        var path = Write(HostileCassettes.With(8080, field, value));

        var error = Assert.Throws<CassetteFormatException>(() => Cassette.Load(path));

        Assert.StartsWith($"{path}:{HostileCassettes.LineOf(field)} at {jsonPath}: ", error.Message, StringComparison.Ordinal);
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error.Message);
        Assert.DoesNotContain('\r', error.Message);
    }

    // The record's encoding is re-applied on load: under a header that names no coding, a client
    // would get gzip bytes labelled text/plain.
    [Fact]
    public void Load_BodyEncodingThatTheHeaderDoesNotName_Refused()
    {
        var path = Write(HostileCassettes.Valid().Replace("\"body\": { \"text\": \"recorded\" }", "\"body\": { \"text\": \"recorded\", \"encoding\": \"gzip\" }", StringComparison.Ordinal));

        var error = Assert.Throws<CassetteFormatException>(() => Cassette.Load(path));

        Assert.Contains("at $.flows[0].response.body.encoding: is \"gzip\" but the Content-Encoding header is null; expected them to agree", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_StreamedBodyWithContent_Refused()
    {
        var path = Write(HostileCassettes.Valid().Replace("\"body\": { \"text\": \"recorded\" }", "\"body\": { \"text\": \"recorded\", \"streamed\": true }", StringComparison.Ordinal));

        var error = Assert.Throws<CassetteFormatException>(() => Cassette.Load(path));

        Assert.Contains("at $.flows[0].response.body: has content beside \"streamed\": true", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_TwoHostHeaders_Refused()
    {
        var path = Write(HostileCassettes.With(8080, "request_header", "\"Host: second.example\""));

        var error = Assert.Throws<CassetteFormatException>(() => Cassette.Load(path));

        Assert.Contains("at $.flows[0].request.headers: has more than one Host header", error.Message, StringComparison.Ordinal);
    }

    // A pipe would block the reader for ever, a device such as /dev/zero would fill memory; an empty
    // file and a folder are no cassettes either. Each is refused at once, naming the file.
    [Theory]
    [InlineData("fifo")]
    [InlineData("zero")]
    [InlineData("empty")]
    [InlineData("folder")]
    public async Task Load_NotARegularFileWithContent_RefusedAtOnce(string kind)
    {
        var path = Path.Combine(_directory, kind + ".json");
        await SpecialFiles.CreateAsync(kind, path);

        var load = Task.Run(() => Cassette.Load(path), TestContext.Current.CancellationToken);
        var error = await Assert.ThrowsAsync<CassetteFormatException>(() => load.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken));

        Assert.StartsWith(path, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_ASymbolicLinkToACassette_ReadsTheCassette()
    {
        var real = Write(HostileCassettes.Valid());
        var link = Path.Combine(_directory, "link.json");
        File.CreateSymbolicLink(link, real);

        Assert.Equal("recorded", Assert.Single(Cassette.Load(link).Flows).Response!.Text);
    }

    // People edit cassettes, and Windows editors save JSON with a byte order mark, some as UTF-16.
    // RFC 8259 §8.1 lets a parser ignore the mark, and HAR and options files honoured it, while a
    // cassette was refused with the reader's "'0xEF' is an invalid start of a value".
    [Theory]
    [InlineData("utf-8")]
    [InlineData("utf-16")]
    [InlineData("utf-16BE")]
    [InlineData("utf-32")]
    public void Load_WithAByteOrderMark_Loads(string encoding)
    {
        var path = Path.Combine(_directory, $"bom-{encoding}.json");
        File.WriteAllText(path, HostileCassettes.Valid(), System.Text.Encoding.GetEncoding(encoding)); // with the encoding's mark

        Assert.Equal("recorded", Assert.Single(Cassette.Load(path).Flows).Response!.Text);
    }

    // Read as UTF-8, the file's lines are its lines: a problem still points at the right one.
    [Fact]
    public void Load_Utf16WithAHostileField_NamesTheLine()
    {
        var path = Path.Combine(_directory, "hostile-utf16.json");
        File.WriteAllText(path, HostileCassettes.With(8080, "request_header", "\"X-Test: plain\\r\\nX-Injected: 1\""), System.Text.Encoding.Unicode);

        var error = Assert.Throws<CassetteFormatException>(() => Cassette.Load(path));

        Assert.Equal($"{path}:{HostileCassettes.LineOf("request_header")} at $.flows[0].request.headers[1]: the value of header 'X-Test' has a CR (0x0D) at offset 5", error.Message);
    }

    // A string that is not UTF-8 was reported as "expected an object", the words for an array element.
    [Fact]
    public void Load_HeaderNotUtf8_SaysSo()
    {
        var path = Path.Combine(_directory, "latin1.json");
        var bytes = System.Text.Encoding.UTF8.GetBytes(HostileCassettes.With(8080, "request_header", "\"X-Test: caf@\""));
        bytes[Array.IndexOf(bytes, (byte)'@')] = 0xE9; // é in Latin-1: not UTF-8
        File.WriteAllBytes(path, bytes);

        var error = Assert.Throws<CassetteFormatException>(() => Cassette.Load(path));

        Assert.Equal($"{path}:{HostileCassettes.LineOf("request_header")} at $.flows[0].request.headers[1]: expected UTF-8 text", error.Message);
    }

    [Theory]
    [MemberData(nameof(Structures))]
    public void Load_BrokenStructure_OneLineError(string json, string words)
    {
        var path = Write(json);

        var error = Assert.Throws<CassetteFormatException>(() => Cassette.Load(path));

        Assert.StartsWith(path, error.Message, StringComparison.Ordinal);
        Assert.Contains(words, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error.Message);
    }

    private string Write(string json)
    {
        var path = Path.Combine(_directory, $"c{Guid.NewGuid():N}.json");
        File.WriteAllText(path, json);
        return path;
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
