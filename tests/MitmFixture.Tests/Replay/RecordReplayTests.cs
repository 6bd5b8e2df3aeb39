using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Microsoft.Extensions.Logging;
using MitmFixture.Addons;
using MitmFixture.Cassettes;
using MitmFixture.Flows;
using MitmFixture.Replay;
using MitmFixture.Tests.Support;

namespace MitmFixture.Tests.Replay;

/// <summary>Record against a real server through the proxy, stop the server, replay from the cassette.</summary>
public sealed class RecordReplayTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("mitmfixture-replay-").FullName;

    private string CassettePath => Path.Combine(_directory, "cassette.json");

    [Fact]
    public async Task RecordThenReplay_ServerStopped_SameBodiesHttpAndHttps()
    {
        var upstream = await TestUpstream.StartAsync();
        var urls = new[] { $"{upstream.HttpUrl}/echo/a?x=1", $"{upstream.HttpsUrl}/echo/b", $"{upstream.HttpUrl}/gzip", $"{upstream.HttpUrl}/chunked", $"{upstream.HttpsUrl}/bytes/100000" };
        var recorded = await RecordAsync(upstream, async client =>
        {
            var bodies = new List<byte[]>();
            foreach (var url in urls)
            {
                bodies.Add(await client.GetByteArrayAsync(url, TestContext.Current.CancellationToken));
            }

            return bodies;
        });
        await upstream.DisposeAsync();

        await using var replay = await ReplayHarnessAsync(new ServerReplayOptions { KillExtra = true });
        var client = replay.CreateClient();
        for (var i = 0; i < urls.Length; i++)
        {
            Assert.Equal(recorded[i], await client.GetByteArrayAsync(urls[i], TestContext.Current.CancellationToken));
        }

        var flows = replay.Proxy.Flows.Snapshot();
        Assert.Equal(urls.Length, flows.Count);
        Assert.All(flows, f => Assert.Equal(ReplayKind.Response, f.Replay));
        Assert.All(flows, f => Assert.Null(f.Server.TimestampTcpSetup)); // no server was dialled, not even for TLS
    }

    [Fact]
    public async Task Replay_RefreshesDateToNow()
    {
        var upstream = await TestUpstream.StartAsync();
        await RecordAsync(upstream, client => client.GetStringAsync($"{upstream.HttpUrl}/echo/date", TestContext.Current.CancellationToken));
        await upstream.DisposeAsync();
        var later = new ShiftedTime(TimeSpan.FromDays(3));

        await using var replay = await ReplayHarnessAsync(new ServerReplayOptions(), later);
        using var response = await replay.CreateClient().GetAsync($"{upstream.HttpUrl}/echo/date", TestContext.Current.CancellationToken);

        var date = response.Headers.Date!.Value;
        Assert.InRange(date, later.GetUtcNow().AddMinutes(-1), later.GetUtcNow().AddMinutes(1));
    }

    [Fact]
    public async Task RepeatedIdenticalRequests_ServedInRecordingOrder_ThenExtraPolicy()
    {
        await using var server = new CountingServer();
        await RecordAsync(null, async client =>
        {
            for (var i = 0; i < 3; i++)
            {
                await client.GetStringAsync($"{server.Url}/same", TestContext.Current.CancellationToken);
            }

            return 0;
        });

        await using var replay = await ReplayHarnessAsync(new ServerReplayOptions { Extra = UnmatchedPolicy.NotFound404 });
        var client = replay.CreateClient();
        var answers = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            answers.Add(await client.GetStringAsync($"{server.Url}/same", TestContext.Current.CancellationToken));
        }

        using var fourth = await client.GetAsync($"{server.Url}/same", TestContext.Current.CancellationToken);

        Assert.Equal(["answer 1", "answer 2", "answer 3"], answers);
        Assert.Equal(HttpStatusCode.NotFound, fourth.StatusCode);
        Assert.Contains("already served", await fourth.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Reuse_ServesTheFirstAgain()
    {
        await using var server = new CountingServer();
        await RecordAsync(null, async client => await client.GetStringAsync($"{server.Url}/same", TestContext.Current.CancellationToken));

        await using var replay = await ReplayHarnessAsync(new ServerReplayOptions { Reuse = true, KillExtra = true });
        var client = replay.CreateClient();

        Assert.Equal("answer 1", await client.GetStringAsync($"{server.Url}/same", TestContext.Current.CancellationToken));
        Assert.Equal("answer 1", await client.GetStringAsync($"{server.Url}/same", TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task UnmatchedRequest_ExplainsTheNearestRecording()
    {
        await using var server = new CountingServer();
        await RecordAsync(null, async client => await client.GetStringAsync($"{server.Url}/items?page=1&size=10", TestContext.Current.CancellationToken));

        await using var replay = await ReplayHarnessAsync(new ServerReplayOptions { Extra = UnmatchedPolicy.NotFound404 });
        using var response = await replay.CreateClient().GetAsync($"{server.Url}/items?page=2&size=10", TestContext.Current.CancellationToken);
        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains("nearest recorded request is GET", text, StringComparison.Ordinal);
        Assert.Contains("query parameter 'page' ('2' vs recorded '1')", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task KillExtra_UnmatchedRequestIsKilledWithTheReasonOnTheFlow()
    {
        await using var server = new CountingServer();
        await RecordAsync(null, async client => await client.GetStringAsync($"{server.Url}/a", TestContext.Current.CancellationToken));
        var before = server.Requests;

        await using var replay = await ReplayHarnessAsync(new ServerReplayOptions { KillExtra = true });
        await Assert.ThrowsAnyAsync<HttpRequestException>(() => replay.CreateClient().GetStringAsync($"{server.Url}/b", TestContext.Current.CancellationToken));

        Assert.Equal(before, server.Requests);
        var flows = replay.Proxy.Flows.Snapshot();
        Assert.NotEmpty(flows); // HttpClient retries a GET whose connection closed unanswered, so there may be several
        Assert.All(flows, f => Assert.Contains("path (/b vs recorded /a)", f.Error!.Message, StringComparison.Ordinal));
    }

    [Fact]
    public async Task JsonBody_MatchesRegardlessOfKeyOrderAndSpacing()
    {
        await using var server = new CountingServer();
        await RecordAsync(null, async client =>
        {
            using var content = new StringContent("{\"b\":2,\"a\":[1,2]}", Encoding.UTF8, "application/json");
            return await (await client.PostAsync($"{server.Url}/json", content, TestContext.Current.CancellationToken)).Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        });

        await using var replay = await ReplayHarnessAsync(new ServerReplayOptions { KillExtra = true });
        using var reordered = new StringContent("{ \"a\": [1, 2],\n  \"b\": 2 }", Encoding.UTF8, "application/json");
        using var response = await replay.CreateClient().PostAsync($"{server.Url}/json", reordered, TestContext.Current.CancellationToken);

        Assert.Equal("answer 1", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task MultipartBody_MatchesRegardlessOfBoundary()
    {
        await using var server = new CountingServer();
        static MultipartFormDataContent Form()
        {
            var form = new MultipartFormDataContent(); // a new random boundary each time
            form.Add(new StringContent("alice"), "user");
            form.Add(new ByteArrayContent([1, 2, 3]) { Headers = { ContentType = new MediaTypeHeaderValue("application/octet-stream") } }, "file", "f.bin");
            return form;
        }

        await RecordAsync(null, async client => await (await client.PostAsync($"{server.Url}/upload", Form(), TestContext.Current.CancellationToken)).Content.ReadAsStringAsync(TestContext.Current.CancellationToken));

        await using var replay = await ReplayHarnessAsync(new ServerReplayOptions { KillExtra = true });
        using var response = await replay.CreateClient().PostAsync($"{server.Url}/upload", Form(), TestContext.Current.CancellationToken);

        Assert.Equal("answer 1", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task MultipartBody_QuotedBoundaryAndLineFeedsOnly_MatchesTheCrlfRecording()
    {
        const string Parts = "--{0}\r\nContent-Disposition: form-data; name=\"user\"\r\n\r\nalice\r\n" +
            "--{0}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"f.txt\"\r\nContent-Type: text/plain\r\n\r\nhello\r\n--{0}--\r\n";
        await using var server = new CountingServer();
        await RecordAsync(null, async client => await PostAsync(client, $"{server.Url}/upload", Encoding.ASCII.GetBytes(Parts.Replace("{0}", "recorded", StringComparison.Ordinal)), "multipart/form-data; boundary=recorded"));

        await using var replay = await ReplayHarnessAsync(new ServerReplayOptions { KillExtra = true });
        var live = Encoding.ASCII.GetBytes(Parts.Replace("{0}", "live;2", StringComparison.Ordinal).Replace("\r\n", "\n", StringComparison.Ordinal));
        var answer = await PostAsync(replay.CreateClient(), $"{server.Url}/upload", live, "multipart/form-data; boundary=\"live;2\"");

        Assert.Equal("answer 1", answer);
        var flow = Assert.Single(replay.Proxy.Flows.Snapshot());
        Assert.Equal(ReplayKind.Response, flow.Replay);
        Assert.Equal(
            ["Part 1: name \"user\"", "  alice", "Part 2: name \"file\", file \"f.txt\", text/plain", "  hello"],
            MitmFixture.Content.ContentViewer.Render(flow.Request, MitmFixture.Content.ViewMode.Pretty).Lines);
    }

    [Fact]
    public async Task PlusJsonBody_Utf16WithByteOrderMarkAndOtherKeyOrder_MatchesTheUtf8Recording()
    {
        await using var server = new CountingServer();
        await RecordAsync(null, async client => await PostAsync(client, $"{server.Url}/problem", "{\"type\":\"about:blank\",\"status\":400}"u8.ToArray(), "application/problem+json"));

        await using var replay = await ReplayHarnessAsync(new ServerReplayOptions { KillExtra = true });
        byte[] live = [0xFF, 0xFE, .. Encoding.Unicode.GetBytes("{ \"status\": 400, \"type\": \"about:blank\" }")];
        var answer = await PostAsync(replay.CreateClient(), $"{server.Url}/problem", live, "application/problem+json; charset=utf-16");

        Assert.Equal("answer 1", answer);
    }

    [Fact]
    public async Task Redaction_AuthorizationNeverReachesTheCassetteAndReplayStillMatches()
    {
        await using var server = new CountingServer();
        await RecordAsync(null, async client =>
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, $"{server.Url}/login?token=s3cr3t-t0ken")
            {
                Content = new StringContent("{\"echo\":\"s3cr3t-t0ken\",\"b64\":\"czNjcjN0LXQwa2Vu\"}", Encoding.UTF8, "application/json"),
            };
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "s3cr3t-t0ken");
            return await (await client.SendAsync(request, TestContext.Current.CancellationToken)).Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        });

        var text = await File.ReadAllTextAsync(CassettePath, TestContext.Current.CancellationToken);
        Assert.DoesNotContain("s3cr3t-t0ken", text, StringComparison.Ordinal);
        Assert.DoesNotContain("czNjcjN0LXQwa2Vu", text, StringComparison.Ordinal);
        Assert.Contains("<AUTHORIZATION>", text, StringComparison.Ordinal);

        await using var replay = await ReplayHarnessAsync(new ServerReplayOptions { KillExtra = true });
        using var again = new HttpRequestMessage(HttpMethod.Post, $"{server.Url}/login?token=s3cr3t-t0ken")
        {
            Content = new StringContent("{\"echo\":\"s3cr3t-t0ken\",\"b64\":\"czNjcjN0LXQwa2Vu\"}", Encoding.UTF8, "application/json"),
        };
        again.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "s3cr3t-t0ken");
        using var response = await replay.CreateClient().SendAsync(again, TestContext.Current.CancellationToken);

        Assert.Equal("answer 1", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task ReverseMode_RecordedAndReplayedInReverseMode_AndMisuseExplained()
    {
        await using var server = new CountingServer();
        var writer = CassetteWriter.Create(CassettePath, mode: $"reverse:{server.Url}");
        await using (var harness = await ProxyHarness.StartAsync(null, o => o with { Mode = MitmFixture.Proxy.ProxyMode.Reverse(server.Url), Addons = [new RecordingAddon(writer)] }))
        {
            await harness.CreateClient(useProxy: false).GetStringAsync($"http://127.0.0.1:{harness.Proxy.Port}/rev", TestContext.Current.CancellationToken);
        }

        await writer.DisposeAsync();
        var cassette = Cassette.Load(CassettePath);

        var replayStore = new ReplayStore(cassette.Flows, new ServerReplayOptions { Extra = UnmatchedPolicy.NotFound404 }, cassette.Modes);
        await using (var reverse = await ProxyHarness.StartAsync(null, o => o with { Mode = MitmFixture.Proxy.ProxyMode.Reverse(server.Url), Addons = [new ServerReplayAddon(replayStore)] }))
        {
            var text = await reverse.CreateClient(useProxy: false).GetStringAsync($"http://127.0.0.1:{reverse.Proxy.Port}/rev", TestContext.Current.CancellationToken);
            Assert.Equal("answer 1", text);
        }

        var misuse = new ReplayStore(cassette.Flows, new ServerReplayOptions(), cassette.Modes);
        var why = misuse.Explain(MitmFixture.Http.HttpRequest.Create("GET", "http://other.test/rev"));
        Assert.Contains("recorded in reverse:", why, StringComparison.Ordinal);
        Assert.Contains("replay it in the same mode", why, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RecordedWithStreamLargeBodies_StreamedResponse502SayingWhy_StreamedRequestMatchesWithoutItsBody()
    {
        var upstream = await TestUpstream.StartAsync();
        var big = $"{upstream.HttpUrl}/bytes/2000000";
        var upload = $"{upstream.HttpUrl}/status/201";
        await RecordAsync(upstream, async client =>
        {
            await client.GetByteArrayAsync(big, TestContext.Current.CancellationToken);
            return await PostAsync(client, upload, new byte[2_000_000], "application/octet-stream");
        }, streamLargeBodies: 1_000_000);
        await upstream.DisposeAsync();

        var logs = new CapturingLoggerProvider();
        using var logging = LoggerFactory.Create(b => b.AddProvider(logs));
        await using var replay = await ReplayHarnessAsync(new ServerReplayOptions { KillExtra = true }, loggerFactory: logging);
        var client = replay.CreateClient();
        using var answer = await client.GetAsync(big, TestContext.Current.CancellationToken);
        var uploaded = await PostAsync(client, upload, Enumerable.Repeat((byte)'x', 2_000_000).ToArray(), "application/octet-stream");

        Assert.Equal(HttpStatusCode.BadGateway, answer.StatusCode);
        Assert.Contains("streamed and not kept", await answer.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
        Assert.Equal("status 201", uploaded);
        Assert.Contains(logs.Entries, e => e.Level == LogLevel.Warning && e.Message.Contains("record it again with a larger stream_large_bodies", StringComparison.Ordinal));
    }

    /// <summary>POSTs exactly these bytes with exactly this Content-Type (HttpClient would re-format a quoted boundary).</summary>
    private static async Task<string> PostAsync(HttpClient client, string url, byte[] body, string contentType)
    {
        using var content = new ByteArrayContent(body);
        content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        using var response = await client.PostAsync(url, content, TestContext.Current.CancellationToken);
        return await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
    }

    private async Task<T> RecordAsync<T>(TestUpstream? upstream, Func<HttpClient, Task<T>> traffic, long? streamLargeBodies = null)
    {
        var writer = CassetteWriter.Create(CassettePath);
        T result;
        await using (var harness = await ProxyHarness.StartAsync(upstream, o => o with { Addons = [new RecordingAddon(writer)], StreamLargeBodies = streamLargeBodies }))
        {
            result = await traffic(harness.CreateClient());
        }

        await writer.DisposeAsync();
        return result;
    }

    private async Task<ProxyHarness> ReplayHarnessAsync(ServerReplayOptions options, TimeProvider? time = null, ILoggerFactory? loggerFactory = null)
    {
        var cassette = Cassette.Load(CassettePath);
        var addon = new ServerReplayAddon(new ReplayStore(cassette.Flows, options, cassette.Modes), time, Redactor.Default);
        return await ProxyHarness.StartAsync(null, o => o with { Addons = [addon], LoggerFactory = loggerFactory ?? o.LoggerFactory });
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private sealed class ShiftedTime(TimeSpan shift) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => base.GetUtcNow() + shift;
    }
}
