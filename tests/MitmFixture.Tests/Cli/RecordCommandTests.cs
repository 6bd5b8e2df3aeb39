using System.Diagnostics;
using System.IO.Compression;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using MitmFixture.Cassettes;
using MitmFixture.Tests.Support;

namespace MitmFixture.Tests.Cli;

/// <summary>
/// Decompression bombs through <c>mitmfixture record</c>, as a process watched from outside:
/// 1 MB of gzip that expands to 1 GiB, sent by a server and by a client.
/// </summary>
public sealed class RecordCommandTests : IDisposable
{
    private const long Gibibyte = 1024L * 1024 * 1024;
    // 1024 gzip members of 1 MiB of zeros each, one after another (RFC 1952 §2.2 allows a series of
    // members; decoders read them all): about 1 MB that expands to 1 GiB, built in milliseconds
    // where compressing 1 GiB once takes seconds.
    private static readonly Lazy<byte[]> Bomb = new(() =>
    {
        using var member = new MemoryStream();
        using (var gzip = new GZipStream(member, CompressionLevel.SmallestSize, leaveOpen: true))
        {
            gzip.Write(new byte[1024 * 1024]);
        }

        var one = member.ToArray();
        var bomb = new byte[one.Length * (Gibibyte / (1024 * 1024))];
        for (var i = 0; i < bomb.Length; i += one.Length)
        {
            one.CopyTo(bomb, i);
        }

        return bomb;
    });

    private readonly string _directory = Directory.CreateTempSubdirectory("mitmfixture-cli-bomb-").FullName;

    [Fact]
    public async Task Record_GzipBombFromServerAndFromClient_ServedPromptlyUnder200MBAndKeptEncoded()
    {
        var ct = TestContext.Current.CancellationToken;
        var bomb = Bomb.Value;
        Assert.InRange(bomb.Length, 512 * 1024, 2 * 1024 * 1024);
        await using var server = await BombServer.StartAsync(bomb);
        var cassette = Path.Combine(_directory, "bomb.json");
        await using var record = CliProcess.Start("record", "-o", cassette, "--listen", "127.0.0.1:0", "--set", $"confdir={_directory}");
        var proxy = await record.WaitListeningAsync();
        using var client = new HttpClient(new SocketsHttpHandler { Proxy = new WebProxy(proxy), UseProxy = true, AutomaticDecompression = DecompressionMethods.None }) { Timeout = TimeSpan.FromSeconds(60) };

        await client.GetStringAsync($"{server.Url}/small", ct); // warm-up: JIT, first connection
        var normal = await TimeAsync(() => client.GetStringAsync($"{server.Url}/small", ct));
        byte[] received = [];
        var fromServer = await TimeAsync(async () => received = await client.GetByteArrayAsync($"{server.Url}/bomb", ct));
        var upload = new ByteArrayContent(bomb);
        upload.Headers.ContentEncoding.Add("gzip");
        upload.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("text/plain");
        string answer = "";
        var fromClient = await TimeAsync(async () => answer = await (await client.PostAsync($"{server.Url}/upload", upload, ct)).Content.ReadAsStringAsync(ct));
        var peak = record.PeakResidentBytes();

        record.Terminate();
        Assert.Equal(0, await record.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        TestContext.Current.TestOutputHelper?.WriteLine($"normal {normal.TotalMilliseconds:F0} ms, server bomb {fromServer.TotalMilliseconds:F0} ms, client bomb {fromClient.TotalMilliseconds:F0} ms, peak RSS {peak / (1024 * 1024)} MB");

        Assert.Equal(bomb, received); // passed through as it came
        Assert.Equal($"got {bomb.Length} bytes", answer);
        Assert.True(peak < 200L * 1024 * 1024, $"peak resident memory {peak / (1024 * 1024)} MB");
        Assert.True(fromServer < normal + TimeSpan.FromSeconds(1), $"server bomb served in {fromServer.TotalMilliseconds:F0} ms, a normal answer in {normal.TotalMilliseconds:F0} ms");
        Assert.True(fromClient < normal + TimeSpan.FromSeconds(1), $"client bomb answered in {fromClient.TotalMilliseconds:F0} ms, a normal answer in {normal.TotalMilliseconds:F0} ms");
        Assert.Contains("4 flows recorded", record.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("failed", record.Stderr, StringComparison.Ordinal); // kept encoded is not a failure

        var flows = Cassette.Load(cassette).Flows;
        Assert.Equal(bomb, flows[2].Response!.Body);
        Assert.Equal(bomb, flows[3].Request.Body);
        var text = await File.ReadAllTextAsync(cassette, ct);
        Assert.Equal(2, text.Split("expands past the decoding limit of 64m").Length - 1);
    }

    [Fact]
    public async Task Record_DecodeLimitFromAnOptionsFile_IsApplied_AndABadValueIsAUsageError()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var server = await BombServer.StartAsync(Bomb.Value);
        var cassette = Path.Combine(_directory, "limited.json");
        var options = Path.Combine(_directory, "options.json");
        await File.WriteAllTextAsync(options, $"{{ \"listen\": \"127.0.0.1:0\", \"confdir\": \"{_directory}\", \"decode_limit\": \"1k\" }}", ct);
        await using (var record = CliProcess.Start("record", "-o", cassette, "--options", options))
        {
            var proxy = await record.WaitListeningAsync();
            using var client = new HttpClient(new SocketsHttpHandler { Proxy = new WebProxy(proxy), UseProxy = true, AutomaticDecompression = DecompressionMethods.None });
            Assert.Equal(Bomb.Value, await client.GetByteArrayAsync($"{server.Url}/bomb", ct));
            record.Terminate();
            Assert.Equal(0, await record.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        }

        Assert.Contains("expands past the decoding limit of 1k (decode_limit)", await File.ReadAllTextAsync(cassette, ct), StringComparison.Ordinal);

        await using var bad = CliProcess.Start("record", "-o", cassette, "--set", "decode_limit=lots");
        Assert.Equal(2, await bad.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains("--set decode_limit=lots: expected a size such as", bad.Stderr, StringComparison.Ordinal);
    }

    private static async Task<TimeSpan> TimeAsync(Func<Task> action)
    {
        var clock = Stopwatch.StartNew();
        await action();
        return clock.Elapsed;
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    /// <summary>Serves the bomb gzip-encoded, a small answer, and counts what a client uploads without decoding it.</summary>
    private sealed class BombServer(WebApplication app) : IAsyncDisposable
    {
        public string Url { get; } = app.Urls.Single().TrimEnd('/');

        public static async Task<BombServer> StartAsync(byte[] bomb)
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.ConfigureKestrel(k =>
            {
                k.Listen(IPAddress.Loopback, 0);
                k.Limits.MaxRequestBodySize = null;
            });
            builder.Logging.ClearProviders();
            var app = builder.Build();
            app.MapGet("/small", () => "small");
            app.MapGet("/bomb", async (HttpContext context) =>
            {
                context.Response.Headers.ContentEncoding = "gzip";
                context.Response.ContentType = "text/plain";
                context.Response.ContentLength = bomb.Length;
                await context.Response.Body.WriteAsync(bomb);
            });
            app.MapPost("/upload", async (HttpContext context) =>
            {
                var buffer = new byte[81920];
                long total = 0;
                int n;
                while ((n = await context.Request.Body.ReadAsync(buffer)) > 0)
                {
                    total += n;
                }

                return $"got {total} bytes";
            });
            await app.StartAsync();
            return new BombServer(app);
        }

        public ValueTask DisposeAsync() => app.DisposeAsync();
    }
}
