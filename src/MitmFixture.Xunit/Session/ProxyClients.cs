using System.Net;
using MitmFixture.Tls;

namespace MitmFixture.Xunit.Session;

/// <summary>Builds what a client needs to go through one of the proxy's ports and trust its CA.</summary>
internal sealed class ProxyClients(CertificateAuthority authority, string caFile)
{
    public string CaCertificatePath => caFile;

    public HttpMessageHandler CreateHandler(IWebProxy proxy) => new SocketsHttpHandler
    {
        Proxy = proxy,
        UseProxy = true,
        SslOptions = { RemoteCertificateValidationCallback = authority.CreateValidationCallback() },
        PooledConnectionLifetime = TimeSpan.FromMinutes(2),
    };

    public static HttpClient CreateClient(HttpMessageHandler handler) => new(handler) { Timeout = TimeSpan.FromSeconds(100) };

    /// <summary>Variables that route a child process through <paramref name="proxyUrl"/> and make it trust the CA (curl, Python, Node, Go, .NET).</summary>
    public IReadOnlyDictionary<string, string> EnvironmentFor(Uri proxyUrl)
    {
        var url = proxyUrl.ToString();
        return new Dictionary<string, string>
        {
            ["HTTP_PROXY"] = url,
            ["HTTPS_PROXY"] = url,
            ["http_proxy"] = url,
            ["https_proxy"] = url,
            ["NO_PROXY"] = "",
            ["no_proxy"] = "",
            ["SSL_CERT_FILE"] = caFile,
            ["CURL_CA_BUNDLE"] = caFile,
            ["REQUESTS_CA_BUNDLE"] = caFile,
            ["NODE_EXTRA_CA_CERTS"] = caFile,
        };
    }
}
