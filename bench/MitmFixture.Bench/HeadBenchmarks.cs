using System.Buffers;
using System.Text;
using BenchmarkDotNet.Attributes;
using MitmFixture.Http;

namespace MitmFixture.Bench;

/// <summary>
/// What every proxied HTTP/1.1 request pays for its heads, without sockets: parsing a wrk-style
/// request and an nginx response (the heads <c>bench/proxy.sh</c> sends through), and writing the
/// response head back. <c>dotnet run -c Release --project bench/MitmFixture.Bench -- --filter '*HeadBenchmarks*'</c>.
/// </summary>
[Config(typeof(ShortConfig))]
public class HeadBenchmarks
{
    private readonly HttpLimits _limits = new(); // an instance member: BenchmarkDotNet runs instance methods

    private static readonly byte[] RequestHead = Encoding.ASCII.GetBytes(
        "GET http://127.0.0.1:18181/ HTTP/1.1\r\nHost: 127.0.0.1:18181\r\n\r\n");

    private static readonly byte[] ResponseHead = Encoding.ASCII.GetBytes(
        "HTTP/1.1 200 OK\r\nServer: nginx/1.22.1\r\nDate: Mon, 07 Dec 2026 14:20:00 GMT\r\nContent-Type: text/plain\r\n" +
        "Content-Length: 1024\r\nLast-Modified: Mon, 07 Dec 2026 13:19:00 GMT\r\nConnection: keep-alive\r\n" +
        "ETag: \"69a10d14-400\"\r\nAccept-Ranges: bytes\r\n\r\n");

    private readonly ArrayBufferWriter<byte> _output = new(4096);
    private HttpResponse _response = null!;

    [GlobalSetup]
    public void Setup() => _response = ParseResponse();

    [Benchmark]
    public HttpRequest? ParseRequest()
    {
        var reader = new SequenceReader<byte>(new ReadOnlySequence<byte>(RequestHead));
        Http1Parser.TryParseRequestHead(ref reader, _limits, out var request);
        return request;
    }

    [Benchmark]
    public HttpResponse ParseResponse()
    {
        var reader = new SequenceReader<byte>(new ReadOnlySequence<byte>(ResponseHead));
        Http1Parser.TryParseResponseHead(ref reader, _limits, out var response);
        return response!;
    }

    [Benchmark]
    public int WriteResponse()
    {
        _output.ResetWrittenCount();
        Http1Writer.WriteResponseHead(_output, _response.HttpVersion, _response.StatusCode, _response.Reason, _response.Headers);
        return _output.WrittenCount;
    }
}
