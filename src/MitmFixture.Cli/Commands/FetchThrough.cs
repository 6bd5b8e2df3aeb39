using System.Net;
using MitmFixture.Content;
using MitmFixture.Proxy;

namespace MitmFixture.Cli.Commands;

/// <summary>Starts the proxy on a free port, fetches URLs through it with a client that trusts its CA, prints what came back.</summary>
internal static class FetchThrough
{
    public static async Task<int> RunAsync(ProxyOptions options, IReadOnlyList<string> urls, CancellationToken cancellationToken)
    {
        if (await ProxyRunner.TryStartAsync(options with { ListenHost = "127.0.0.1", ListenPort = 0, FlowLimit = 0 }) is not { } started)
        {
            return 1;
        }

        await using var proxy = started;
        using var client = new HttpClient(new SocketsHttpHandler
        {
            Proxy = new WebProxy(proxy.Url),
            UseProxy = true,
            AutomaticDecompression = DecompressionMethods.All,
            SslOptions = { RemoteCertificateValidationCallback = proxy.CertificateAuthority.CreateValidationCallback() },
        })
        { Timeout = TimeSpan.FromSeconds(30) };
        var failures = 0;
        foreach (var url in urls)
        {
            try
            {
                using var response = await client.GetAsync(url, cancellationToken);
                var body = await response.Content.ReadAsStringAsync(cancellationToken);
                // What the server sent is escaped on its way to the terminal, as the dump output is.
                Console.WriteLine($"GET {url} -> {(int)response.StatusCode} {DisplayText.Sanitize(response.ReasonPhrase ?? "")} ({DisplayText.Sanitize(response.Content.Headers.ContentType?.MediaType ?? "no content type")})");
                foreach (var line in body.TrimEnd().Split('\n'))
                {
                    Console.WriteLine(DisplayText.Sanitize(line.TrimEnd('\r')));
                }

                Console.WriteLine();
                if (!response.IsSuccessStatusCode)
                {
                    failures++;
                }
            }
            catch (HttpRequestException e)
            {
                Console.Error.WriteLine($"error: GET {url}: {e.Message}");
                failures++;
            }
        }

        return failures == 0 ? 0 : 1;
    }
}
