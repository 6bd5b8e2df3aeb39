using System.IO.Compression;
using System.Text;
using MitmFixture.Http;

namespace MitmFixture.Tests.Content;

/// <summary>Messages with a given body in one line, for the content view tests.</summary>
internal static class Bodies
{
    public static HttpResponse Response(byte[] body, string? contentType = null, string? contentEncoding = null)
    {
        var response = HttpResponse.Create(200, body);
        if (contentType is not null)
        {
            response.Headers.Add("Content-Type", contentType);
        }

        if (contentEncoding is not null)
        {
            response.Headers.Add("Content-Encoding", contentEncoding);
        }

        return response;
    }

    public static HttpResponse Response(string body, string? contentType = null) => Response(Encoding.UTF8.GetBytes(body), contentType);

    public static byte[] Gzip(byte[] data)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest))
        {
            gzip.Write(data);
        }

        return output.ToArray();
    }
}
