using System.Diagnostics;
using System.Net;
using Microsoft.Extensions.Logging;
using MitmFixture.Http;
using MitmFixture.Proxy;
using MitmFixture.Tests.Support;
using static MitmFixture.Tests.Support.H2FrameClient;

namespace MitmFixture.Tests.Hardening;

/// <summary>
/// HTTP/2 attacks from a raw-frame client (<see cref="H2FrameClient"/>, TLS with ALPN h2) against the
/// proxy's h2 side (Http2Front), each checked for a bounded cost, the GOAWAY error code RFC 9113 §7
/// names, and a well-behaved client on another connection being served meanwhile and after.
/// </summary>
public sealed class Http2AbuseTests
{
    private const uint ProtocolError = 0x1, InternalError = 0x2, FlowControlError = 0x3, FrameSizeError = 0x6, RefusedStream = 0x7, CompressionError = 0x9, EnhanceYourCalm = 0xb;

    [Fact]
    [Trait("Category", "Slow")]
    public async Task RapidReset_Cve2023_44487_GetsGoawayEnhanceYourCalm_AndOthersAreServed()
    {
        var cancel = TestContext.Current.CancellationToken;
        await using var setup = await Setup.StartAsync();
        await using var attacker = await setup.ConnectAttackerAsync(cancel);

        var (ending, elapsed, sent) = await setup.WhileServedAsync(async () =>
        {
            var streams = 0;
            for (var id = 1; streams < 5_000 && await attacker.SendGetAsync(id, "/slow/3000", cancel); id += 2)
            {
                await attacker.SendAsync(RstStream, 0, id, new byte[] { 0, 0, 0, 8 }, cancel); // CANCEL
                streams++;
            }

            return (await attacker.WaitForEndAsync(TimeSpan.FromSeconds(10)), streams);
        });

        // The flood guard ends the connection past 100 resets in a second, long before 5,000 streams
        // reached the server (and before Kestrel's own bound, which may answer INTERNAL_ERROR). How
        // many frames the attacker got written says little: loopback's socket buffers take all 5,000
        // (about 170 KB) before the guard reads them. The GOAWAY says how far the proxy went.
        Assert.Equal(EnhanceYourCalm, ending?.ErrorCode);
        Assert.True(ending!.LastStreamId < (2 * 5_000) - 1, $"the proxy took all 5,000 streams (GOAWAY last-stream-id {ending.LastStreamId}; {sent} written)");
        Assert.True(setup.Upstream.Requests < 1_000, $"{setup.Upstream.Requests} requests reached the server");
        Assert.True(elapsed < TimeSpan.FromSeconds(15), $"took {elapsed}");
    }

    [Fact]
    public async Task ContinuationFlood_Cve2024_27316_EndsAtTheHeaderLimitWithGoaway()
    {
        var cancel = TestContext.Current.CancellationToken;
        await using var setup = await Setup.StartAsync();
        await using var attacker = await setup.ConnectAttackerAsync(cancel);

        var (ending, elapsed, sent) = await setup.WhileServedAsync(async () =>
        {
            // One HEADERS frame without END_HEADERS, then CONTINUATION frames that never end the block.
            await attacker.SendAsync(Headers, EndStream, 1, Hpack.Request("GET", "/echo/flood"), cancel);
            var fragment = Hpack.Field("x-flood", new string('a', 200));
            var frames = 0;
            while (frames < 100_000 && await attacker.SendAsync(Continuation, 0, 1, fragment, cancel))
            {
                frames++;
            }

            return (await attacker.WaitForEndAsync(TimeSpan.FromSeconds(10)), frames);
        });

        TestContext.Current.TestOutputHelper?.WriteLine($"ending {ending} after {elapsed}, sent {sent}");
        Assert.Equal(EnhanceYourCalm, ending?.ErrorCode);
        Assert.True(sent < 100_000, $"all {sent} CONTINUATION frames were read");
        Assert.Equal(0, setup.Upstream.Requests - setup.Served);
        Assert.True(elapsed < TimeSpan.FromSeconds(10), $"took {elapsed}");
    }

    [Fact]
    public async Task ContinuationFlood_EmptyFrames_EndsWithGoaway()
    {
        var cancel = TestContext.Current.CancellationToken;
        await using var setup = await Setup.StartAsync();
        await using var attacker = await setup.ConnectAttackerAsync(cancel);

        var (ending, elapsed, sent) = await setup.WhileServedAsync(async () =>
        {
            await attacker.SendAsync(Headers, EndStream, 1, Hpack.Request("GET", "/echo/flood"), cancel);
            var frames = 0;
            while (frames < 200_000 && await attacker.SendAsync(Continuation, 0, 1, ReadOnlyMemory<byte>.Empty, cancel))
            {
                frames++;
            }

            return (await attacker.WaitForEndAsync(TimeSpan.FromSeconds(10)), frames);
        });

        Assert.Equal(EnhanceYourCalm, ending?.ErrorCode);
        Assert.True(sent < 200_000, $"all {sent} empty CONTINUATION frames were read");
        Assert.True(elapsed < TimeSpan.FromSeconds(10), $"took {elapsed}");
    }

    [Fact]
    public async Task HpackBomb_OneTableEntryReferencedThousandsOfTimes_EndsWithGoaway()
    {
        var cancel = TestContext.Current.CancellationToken;
        await using var setup = await Setup.StartAsync();
        await using var attacker = await setup.ConnectAttackerAsync(cancel);

        var (ending, elapsed, sent) = await setup.WhileServedAsync(async () =>
        {
            // 4,000 bytes enter the dynamic table once (index 62), then 8,000 one-byte references to it
            // ask for 32 MB of decoded headers from 12 KB on the wire.
            var block = new MemoryStream();
            block.Write(Hpack.Request("GET", "/echo/bomb"));
            block.Write(Hpack.Indexed("x-bomb", new string('b', 4_000)));
            for (var i = 0; i < 8_000; i++)
            {
                block.Write(Hpack.Reference(62));
            }

            var bytes = block.ToArray();
            var chunks = bytes.Chunk(16 * 1024).ToArray();
            for (var i = 0; i < chunks.Length; i++)
            {
                var flags = i == chunks.Length - 1 ? (byte)(EndHeaders | (i == 0 ? EndStream : 0)) : (byte)(i == 0 ? EndStream : 0);
                await attacker.SendAsync(i == 0 ? Headers : Continuation, flags, 1, chunks[i], cancel);
            }

            return (await attacker.WaitForEndAsync(TimeSpan.FromSeconds(10)), bytes.Length);
        });

        // Kestrel stops decoding once the decoded list passes MaxRequestHeadersTotalSize (32 KiB, the
        // SETTINGS_MAX_HEADER_LIST_SIZE it announced) and ends the connection with PROTOCOL_ERROR.
        TestContext.Current.TestOutputHelper?.WriteLine($"ending {ending} after {elapsed}");
        Assert.Equal(ProtocolError, ending?.ErrorCode);
        Assert.Equal(0, setup.Upstream.Requests - setup.Served);
        Assert.True(elapsed < TimeSpan.FromSeconds(5), $"took {elapsed}");
    }

    [Fact]
    public async Task StreamExhaustion_MoreThanMaxConcurrentStreams_RefusesTheExcess()
    {
        var cancel = TestContext.Current.CancellationToken;
        await using var setup = await Setup.StartAsync();
        await using var attacker = await setup.ConnectAttackerAsync(cancel);

        var (ending, elapsed, sent) = await setup.WhileServedAsync(async () =>
        {
            var streams = 0;
            for (var id = 1; streams < 1_000 && await attacker.SendGetAsync(id, "/slow/2000", cancel); id += 2)
            {
                streams++;
            }

            return (await attacker.WaitForEndAsync(TimeSpan.FromSeconds(10)), streams);
        });

        // Kestrel refuses each stream past MAX_CONCURRENT_STREAMS (RST_STREAM REFUSED_STREAM); the flood
        // guard ends a client that keeps opening them: more than 100 resets sent in a second.
        Assert.Equal(EnhanceYourCalm, ending?.ErrorCode);
        Assert.Equal(RefusedStream, attacker.FirstResetCode);
        Assert.True(setup.Upstream.Requests - setup.Served <= Http2Front.MaxStreamsPerConnection, $"{setup.Upstream.Requests} requests reached the server");
        Assert.True(elapsed < TimeSpan.FromSeconds(15), $"took {elapsed}");
    }

    [Fact]
    [Trait("Category", "Slow")]
    public async Task ZeroWindow_ClientNeverOpensItsWindow_IsCutByTheMinimumDataRate()
    {
        var cancel = TestContext.Current.CancellationToken;
        await using var setup = await Setup.StartAsync(l => l with { MinResponseDataRate = new MinDataRate(240, TimeSpan.FromSeconds(1)) });
        await using var attacker = await setup.ConnectAttackerAsync(cancel, (0x4, 0)); // SETTINGS_INITIAL_WINDOW_SIZE = 0

        var (ending, elapsed, sent) = await setup.WhileServedAsync(async () =>
        {
            for (var id = 1; id < 20; id += 2)
            {
                await attacker.SendGetAsync(id, "/bytes/1048576", cancel);
            }

            return (await attacker.WaitForEndAsync(TimeSpan.FromSeconds(20)), 10);
        });

        // Nothing was sent past the zero window; Kestrel's MinResponseDataRate check (one-second
        // heartbeat, past the grace period) aborts the connection: GOAWAY INTERNAL_ERROR, Kestrel's code
        // for a connection it aborts. What the proxy held meanwhile is each stream's buffered body.
        Assert.Equal(InternalError, ending?.ErrorCode);
        Assert.Equal(0, attacker.DataBytes);
        Assert.True(elapsed < TimeSpan.FromSeconds(10), $"took {elapsed}");
    }

    [Theory]
    [InlineData(Settings)]
    [InlineData(Ping)]
    public async Task ControlFrameFlood_ManyFramesWithoutWaiting_EndsWithGoawayEnhanceYourCalm(byte type)
    {
        var cancel = TestContext.Current.CancellationToken;
        await using var setup = await Setup.StartAsync();
        await using var attacker = await setup.ConnectAttackerAsync(cancel);
        var payload = type == Settings ? SettingsPayload((0x3, 100)) : new byte[8];

        var (ending, elapsed, sent) = await setup.WhileServedAsync(async () =>
        {
            var frames = 0;
            while (frames < 200_000 && await attacker.SendAsync(type, 0, 0, payload, cancel))
            {
                frames++;
            }

            return (await attacker.WaitForEndAsync(TimeSpan.FromSeconds(10)), frames);
        });

        TestContext.Current.TestOutputHelper?.WriteLine($"ending {ending} after {elapsed}, sent {sent}, acks {attacker.FramesOfType(type)}");
        Assert.Equal(EnhanceYourCalm, ending?.ErrorCode);
        Assert.True(sent < 200_000, $"all {sent} frames were read");
        Assert.True(elapsed < TimeSpan.FromSeconds(10), $"took {elapsed}");
    }

    public static TheoryData<string, byte[], uint> MalformedFrames() => new()
    {
        { "DATA on stream 0", Frame(Data, 0, 0, new byte[10]), ProtocolError },
        { "HEADERS on stream 0", Frame(Headers, EndHeaders, 0, Hpack.Request("GET", "/")), ProtocolError },
        { "HEADERS on an even stream", Frame(Headers, EndHeaders | EndStream, 2, Hpack.Request("GET", "/")), ProtocolError },
        { "frame over SETTINGS_MAX_FRAME_SIZE", Frame(Data, 0, 1, new byte[20_000]), FrameSizeError },
        { "SETTINGS of 5 bytes", Frame(Settings, 0, 0, new byte[5]), FrameSizeError },
        { "SETTINGS ACK with a payload", Frame(Settings, Ack, 0, new byte[6]), FrameSizeError },
        { "SETTINGS on stream 1", Frame(Settings, 0, 1, new byte[6]), ProtocolError },
        { "PING of 7 bytes", Frame(Ping, 0, 0, new byte[7]), FrameSizeError },
        { "WINDOW_UPDATE of 0 on the connection", Frame(WindowUpdate, 0, 0, new byte[4]), ProtocolError },
        { "WINDOW_UPDATE past 2^31-1", [.. Frame(WindowUpdate, 0, 0, [0x7f, 0xff, 0xff, 0xff]), .. Frame(WindowUpdate, 0, 0, [0x7f, 0xff, 0xff, 0xff])], FlowControlError },
        { "SETTINGS_INITIAL_WINDOW_SIZE past 2^31-1", Frame(Settings, 0, 0, SettingsPayload((0x4, 0x80000000))), FlowControlError },
        { "SETTINGS_MAX_FRAME_SIZE under 16384", Frame(Settings, 0, 0, SettingsPayload((0x5, 100))), ProtocolError },
        { "CONTINUATION without HEADERS", Frame(Continuation, EndHeaders, 1, Hpack.Request("GET", "/")), ProtocolError },
        { "HPACK index past the table", Frame(Headers, EndHeaders | EndStream, 1, Hpack.Reference(200)), CompressionError },
        { "HPACK table size update past the setting", Frame(Headers, EndHeaders | EndStream, 1, [0x3f, 0xe1, 0xff, 0x03]), CompressionError },
        { "RST_STREAM on stream 0", Frame(RstStream, 0, 0, new byte[4]), ProtocolError },
        { "RST_STREAM of 3 bytes", Frame(RstStream, 0, 1, new byte[3]), FrameSizeError },
    };

    [Theory]
    [MemberData(nameof(MalformedFrames))]
    public async Task MalformedFrame_EndsTheConnectionWithTheRfcErrorCode(string what, byte[] frame, uint errorCode)
    {
        var cancel = TestContext.Current.CancellationToken;
        await using var setup = await Setup.StartAsync();
        await using var attacker = await setup.ConnectAttackerAsync(cancel);

        var (ending, elapsed, _) = await setup.WhileServedAsync(async () =>
        {
            await attacker.SendRawAsync(frame, cancel);
            return (await attacker.WaitForEndAsync(TimeSpan.FromSeconds(5)), 1);
        });

        Assert.True(errorCode == ending?.ErrorCode, $"{what}: expected GOAWAY 0x{errorCode:x}, got {ending?.ToString() ?? "nothing"}");
        Assert.True(elapsed < TimeSpan.FromSeconds(5), $"took {elapsed}");
    }

    // Kestrel logs a client's protocol errors at Debug; the proxy's log has them at Information, as
    // the HTTP/1.1 side's malformed requests, with what was wrong.
    [Fact]
    public async Task MalformedFrame_IsInTheProxysLogAsTheClientsError()
    {
        var cancel = TestContext.Current.CancellationToken;
        var logs = new CapturingLoggerProvider();
        using var factory = LoggerFactory.Create(b => b.AddProvider(logs).SetMinimumLevel(LogLevel.Information));
        await using var setup = await Setup.StartAsync(loggerFactory: factory);
        await using var attacker = await setup.ConnectAttackerAsync(cancel);

        await attacker.SendRawAsync(Frame(Data, 0, 0, new byte[10]), cancel);

        Assert.Equal(ProtocolError, (await attacker.WaitForEndAsync(TimeSpan.FromSeconds(5)))?.ErrorCode);
        await Eventually.TrueAsync(() => logs.Entries.Any(e => e.Level == LogLevel.Information && e.Message.StartsWith("HTTP/2 client connection h2-", StringComparison.Ordinal)));
        var entry = logs.Entries.First(e => e.Message.StartsWith("HTTP/2 client connection", StringComparison.Ordinal));
        Assert.Contains("PROTOCOL_ERROR", entry.Message, StringComparison.Ordinal);
    }

    /// <summary>An h2 upstream, the proxy in reverse mode before it, and a well-behaved h2 client on its own connection.</summary>
    private sealed class Setup : IAsyncDisposable
    {
        private readonly ProxyHarness _harness;
        private readonly HttpClient _client;
        private int _served;

        private Setup(H2Upstream upstream, ProxyHarness harness)
        {
            Upstream = upstream;
            _harness = harness;
            _client = harness.CreateClient(useProxy: false);
        }

        public H2Upstream Upstream { get; }

        public int Port => _harness.Proxy.Port;

        /// <summary>Requests the well-behaved client had answered (they reach the upstream too).</summary>
        public int Served => Volatile.Read(ref _served);

        /// <summary>A raw-frame client on a connection of its own, trusting the proxy's CA.</summary>
        public Task<H2FrameClient> ConnectAttackerAsync(CancellationToken cancellationToken, params (ushort Id, uint Value)[] settings) =>
            H2FrameClient.ConnectAsync(Port, _harness.Authority.CreateValidationCallback(), cancellationToken, settings);

        public static async Task<Setup> StartAsync(Func<HttpLimits, HttpLimits>? limits = null, ILoggerFactory? loggerFactory = null)
        {
            var upstream = await H2Upstream.StartAsync();
            var harness = await ProxyHarness.StartAsync(null, o => o with
            {
                Mode = ProxyMode.Reverse(upstream.H2Url),
                UpstreamTrustedCertificates = [upstream.Authority],
                Limits = limits?.Invoke(o.Limits) ?? o.Limits,
                LoggerFactory = loggerFactory,
            });
            return new Setup(upstream, harness);
        }

        /// <summary>
        /// Runs the attack while the well-behaved client sends requests one after another on its own
        /// connection, then once more after it; every one of them must be answered.
        /// </summary>
        public async Task<(H2Ending? Ending, TimeSpan Elapsed, int Sent)> WhileServedAsync(Func<Task<(H2Ending? Ending, int Sent)>> attack)
        {
            var cancel = TestContext.Current.CancellationToken;
            await ServeOneAsync("before", cancel); // the client's connection is open before the attack starts
            var clock = Stopwatch.StartNew();
            var attacking = Task.Run(attack, cancel);
            var during = 0;
            do
            {
                await ServeOneAsync("during", cancel);
                during++;
                await Task.WhenAny(attacking, Task.Delay(20, cancel)); // a steady client, not a second flood
            }
            while (!attacking.IsCompleted);

            var (ending, sent) = await attacking;
            var elapsed = clock.Elapsed;
            await ServeOneAsync("after", cancel);
            Assert.True(during > 0);
            return (ending, elapsed, sent);
        }

        private async Task ServeOneAsync(string when, CancellationToken cancellationToken)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, $"https://localhost:{Port}/echo/{when}") { Version = HttpVersion.Version20, VersionPolicy = HttpVersionPolicy.RequestVersionExact };
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(10));
            using var response = await _client.SendAsync(request, timeout.Token);
            Assert.StartsWith($"HTTP/2 GET /echo/{when}", await response.Content.ReadAsStringAsync(timeout.Token), StringComparison.Ordinal);
            Interlocked.Increment(ref _served);
        }

        public async ValueTask DisposeAsync()
        {
            await _harness.DisposeAsync();
            await Upstream.DisposeAsync();
        }
    }
}
