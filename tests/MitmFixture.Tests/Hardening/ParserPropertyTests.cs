using System.Buffers;
using System.Text;
using FsCheck;
using FsCheck.Fluent;
using MitmFixture.Http;
using MitmFixture.Tests.Proxy;
using MitmFixture.Tests.Support;

namespace MitmFixture.Tests.Hardening;

/// <summary>Generated input: the parsers either parse, ask for more, or reject with a status; nothing else escapes.</summary>
public sealed class ParserPropertyTests(UpstreamFixture fixture) : IClassFixture<UpstreamFixture>
{
    private static readonly HttpLimits Limits = new() { MaxHeadBytes = 4096, MaxHeaderCount = 20 };

    /// <summary>Mostly-HTTP fragments, mutated: more likely to reach deep parser states than uniform bytes.</summary>
    private static readonly string[] Pieces =
    [
        "GET ", "POST ", "CONNECT ", "http://a.test/", "/", "*", " HTTP/1.1", " HTTP/1.0", " HTTP/9.9", "\r\n", "\n", "\r", " ", "\t",
        "Host: a.test", "Content-Length: 5", "Content-Length: -1", "Transfer-Encoding: chunked", ": ", ":", "\0", "\x7f", "ü",
        "5\r\nhello\r\n", "0\r\n\r\n", "a.test:443", "[::1]:80", "%00", "X-A: b", "\r\n\r\n",
    ];

    private static Arbitrary<string> HttpLike() =>
        Gen.ListOf(Gen.OneOf(Gen.Elements(Pieces), ArbMap.Default.GeneratorFor<char>().Select(c => c.ToString())))
            .Select(parts => string.Concat(parts))
            .ToArbitrary();

    [Fact]
    public void RequestParser_AnyInput_ParsesAsksForMoreOrRejectsWithStatus()
    {
        Prop.ForAll(HttpLike(), text =>
        {
            var reader = new SequenceReader<byte>(new ReadOnlySequence<byte>(Encoding.UTF8.GetBytes(text)));
            try
            {
                var parsed = Http1Parser.TryParseRequestHead(ref reader, Limits, out var request);
                return !parsed || request is not null;
            }
            catch (MalformedHttpException e)
            {
                return e.StatusCode is >= 400 and < 600;
            }
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(3000));
    }

    [Fact]
    public void ResponseParser_AnyInput_ParsesAsksForMoreOrRejects()
    {
        Prop.ForAll(HttpLike(), text =>
        {
            var reader = new SequenceReader<byte>(new ReadOnlySequence<byte>(Encoding.UTF8.GetBytes("HTTP/1.1 " + text)));
            try
            {
                Http1Parser.TryParseResponseHead(ref reader, Limits, out _);
                return true;
            }
            catch (MalformedHttpException)
            {
                return true;
            }
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(3000));
    }

    [Fact]
    public void ChunkedDecoder_AnyInput_DecodesAsksForMoreOrRejects()
    {
        Prop.ForAll(HttpLike(), text =>
        {
            var decoder = new ChunkedDecoder(Limits);
            var reader = new SequenceReader<byte>(new ReadOnlySequence<byte>(Encoding.UTF8.GetBytes(text)));
            try
            {
                while (decoder.TryDecode(ref reader, out _) && !decoder.IsDone)
                {
                }

                return true;
            }
            catch (MalformedHttpException)
            {
                return true;
            }
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(3000));
    }

    [Fact]
    public async Task LiveProxy_GeneratedRequests_AnswerOrCloseAndKeepServing()
    {
        await using var harness = await ProxyHarness.StartAsync(fixture.Upstream, o => o with { Limits = o.Limits with { HeadersTimeout = TimeSpan.FromMilliseconds(300), IdleTimeout = TimeSpan.FromMilliseconds(300) } });
        var inputs = HttpLike().Generator.Sample(200, 40).Select(s => s.Replace("a.test", $"127.0.0.1:{fixture.Upstream.HttpPort}", StringComparison.Ordinal)).ToArray();

        var answers = await Task.WhenAll(inputs.Select(async input =>
        {
            await using var raw = await RawClient.ConnectAsync(harness.Proxy.Port);
            try
            {
                await raw.SendAsync(input);
            }
            catch (IOException)
            {
                // The proxy may close before reading everything.
            }

            return await raw.ReadAsync(timeoutMs: 5000);
        }));

        Assert.Equal(inputs.Length, answers.Length);
        Assert.NotEmpty(answers);
        Assert.All(answers, a => Assert.True(a.Length == 0 || a.StartsWith("HTTP/1.", StringComparison.Ordinal), a));
        Assert.StartsWith("GET /echo/alive", await harness.CreateClient().GetStringAsync($"{fixture.Upstream.HttpUrl}/echo/alive", TestContext.Current.CancellationToken), StringComparison.Ordinal);
    }
}
