using System.IO.Compression;
using MitmFixture.Addons;
using MitmFixture.Cassettes;
using MitmFixture.Flows;
using MitmFixture.Http;
using MitmFixture.Tests.Support;

namespace MitmFixture.Tests.Cassettes;

/// <summary>No flow is lost: past the decoding limit it is kept encoded; when recording it throws, it is kept reduced and reported.</summary>
public sealed class CassetteWriterTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("mitmfixture-writer-").FullName;

    private string CassettePath => Path.Combine(_directory, "c.json");

    private static byte[] Gzip(byte[] data)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(data);
        }

        return output.ToArray();
    }

    [Fact]
    public async Task Append_BodyPastTheDecodingLimit_IsStoredEncodedWithANote_AndReplaysByteForByte()
    {
        var bomb = Gzip(new byte[3 * 1024 * 1024]);
        var response = HttpResponse.Create(200, bomb, ("Content-Encoding", "gzip"), ("Content-Type", "text/plain"));
        response.MaxDecodedBodyBytes = 1024 * 1024;
        var small = HttpResponse.Create(200, Gzip("hello"u8.ToArray()), ("Content-Encoding", "gzip"), ("Content-Type", "text/plain"));

        await using (var writer = CassetteWriter.Create(CassettePath))
        {
            writer.Append(new Flow(HttpRequest.Create("GET", "http://a.test/bomb")) { Response = response });
            writer.Append(new Flow(HttpRequest.Create("GET", "http://a.test/small")) { Response = small });
            await writer.FlushAsync();
            Assert.Equal(0, writer.Failures); // kept encoded is not a failure
        }

        var text = await File.ReadAllTextAsync(CassettePath, TestContext.Current.CancellationToken);
        Assert.Contains("\"encoded\": true", text, StringComparison.Ordinal);
        Assert.Contains("\"note\": \"the gzip body expands past the decoding limit of 1m (decode_limit); kept encoded\"", text, StringComparison.Ordinal);
        Assert.Contains("\"text\": \"hello\"", text, StringComparison.Ordinal); // the small one decoded as usual
        var flows = Cassette.Load(CassettePath).Flows;
        Assert.Equal(bomb, flows[0].Response!.Body);
        Assert.Equal("gzip", flows[0].Response!.Headers["Content-Encoding"]);
    }

    [Fact]
    public async Task Append_RecordingThrows_FlowKeptInReducedFormAndReported()
    {
        var broken = new Flow(HttpRequest.Create("GET", "http://a.test/x?token=1")) { Response = HttpResponse.Create(200, "ok") };
        broken.Request.Path = null!; // an addon's bug: nothing downstream expects it
        var failures = new List<(Flow, Exception)>();

        await using (var writer = CassetteWriter.Create(CassettePath))
        {
            writer.FlowFailed += (f, e) => failures.Add((f, e));
            writer.Append(new Flow(HttpRequest.Create("GET", "http://a.test/before")) { Response = HttpResponse.Create(200, "ok") });
            writer.Append(broken);
            writer.Append(new Flow(HttpRequest.Create("GET", "http://a.test/after")) { Response = HttpResponse.Create(200, "ok") });
            Assert.Equal(1, writer.Failures);
        }

        Assert.Same(broken, Assert.Single(failures).Item1);
        var flows = Cassette.Load(CassettePath).Flows;
        Assert.Equal(3, flows.Count);
        Assert.Equal("a.test", flows[1].Request.Host);
        Assert.StartsWith("recording failed (NullReferenceException", flows[1].Error!.Message, StringComparison.Ordinal);
        Assert.Equal("/after", flows[2].Request.Path);
    }

    [Fact]
    public async Task RecordingAddon_SelectionThatThrows_KeepsTheFlowAndReportsIt()
    {
        var writer = CassetteWriter.Create(CassettePath);
        var addon = new RecordingAddon(writer, _ => throw new InvalidOperationException("filter bug"));
        var flow = new Flow(HttpRequest.Create("GET", "http://a.test/kept")) { Response = HttpResponse.Create(200, "ok") };

        await addon.ResponseAsync(flow, TestContext.Current.CancellationToken);
        await writer.DisposeAsync();

        Assert.Equal(1, writer.Failures);
        Assert.Equal("/kept", Assert.Single(Cassette.Load(CassettePath).Flows).Request.Path);
    }

    [Fact]
    public async Task DeferFirstWrite_DisposedBeforeRecordingBegan_LeavesTheFileAsItWas()
    {
        Cassette.Save(CassettePath, [new Flow(HttpRequest.Create("GET", "http://a.test/kept")) { Response = HttpResponse.Create(200, "ok") }]);
        var before = await File.ReadAllBytesAsync(CassettePath, TestContext.Current.CancellationToken);

        await using (CassetteWriter.Create(CassettePath, deferFirstWrite: true))
        {
            await Task.Delay(100, TestContext.Current.CancellationToken); // time enough for a write, were one started
            Assert.Equal(before, await File.ReadAllBytesAsync(CassettePath, TestContext.Current.CancellationToken));
        }

        Assert.Equal(before, await File.ReadAllBytesAsync(CassettePath, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task DeferFirstWrite_BeginOrAFlow_WritesAsUsual()
    {
        Cassette.Save(CassettePath, [new Flow(HttpRequest.Create("GET", "http://a.test/old")) { Response = HttpResponse.Create(200, "ok") }]);
        await using (var writer = CassetteWriter.Create(CassettePath, deferFirstWrite: true))
        {
            writer.Begin();
            await Eventually.TrueAsync(() => Cassette.Load(CassettePath).Flows.Count == 0);
        }

        Assert.Empty(Cassette.Load(CassettePath).Flows);
        await using (var writer = CassetteWriter.Create(CassettePath, deferFirstWrite: true))
        {
            writer.Append(new Flow(HttpRequest.Create("GET", "http://a.test/new")) { Response = HttpResponse.Create(200, "ok") });
        }

        Assert.Equal("/new", Assert.Single(Cassette.Load(CassettePath).Flows).Request.Path);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
