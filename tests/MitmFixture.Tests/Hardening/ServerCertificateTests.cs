using System.Net;
using System.Security.Cryptography.X509Certificates;
using MitmFixture.Tests.Support;

namespace MitmFixture.Tests.Hardening;

/// <summary>
/// Servers with bad certificates: a refusal says why (in the flow's error and the 502 body), and with
/// ssl_insecure a hostile certificate's wildcards never reach the certificate the client is shown.
/// Every certificate is made here, with CertificateRequest.
/// </summary>
public sealed class ServerCertificateTests
{
    public static TheoryData<string, string> Refusals => new()
    {
        { "self-signed", "self-signed" },
        { "expired", "expired on" },
        { "name mismatch", "name mismatch" },
        { "untrusted root", "not a trusted root" },
    };

    [Theory]
    [MemberData(nameof(Refusals))]
    public async Task RefusedServerCertificate_SaysWhyInTheFlowAndThe502(string problem, string expected)
    {
        using var trustedCa = TlsServer.CreateAuthority("Trusted Test CA");
        using var otherCa = TlsServer.CreateAuthority("Unknown Test CA");
        var leaf = problem switch
        {
            "self-signed" => TlsServer.CreateLeaf(null, "localhost", ["localhost"]),
            "expired" => TlsServer.CreateLeaf(trustedCa, "localhost", ["localhost"], notAfter: DateTimeOffset.UtcNow.AddDays(-1)),
            "name mismatch" => TlsServer.CreateLeaf(trustedCa, "other.example", ["other.example"]),
            _ => TlsServer.CreateLeaf(otherCa, "localhost", ["localhost"]),
        };
        await using var server = new TlsServer(leaf);
        await using var harness = await ProxyHarness.StartAsync(null, o => o with { UpstreamTrustedCertificates = [trustedCa] });

        using var answer = await harness.CreateClient().GetAsync($"{server.Url}/", TestContext.Current.CancellationToken);
        var body = await answer.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.BadGateway, answer.StatusCode);
        Assert.Contains(expected, body, StringComparison.Ordinal);
        Assert.DoesNotContain("callback", body, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("inner exception", body, StringComparison.OrdinalIgnoreCase);
        Assert.Contains(expected, harness.Proxy.Flows.Snapshot().Single(f => f.Error is not null).Error!.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SslInsecure_HostileWildcardsAreNotCopiedIntoTheMintedCertificate()
    {
        var hostile = TlsServer.CreateLeaf(null, "*", ["*", "*.com", "*.localhost", "a*.example.com", "*.example.com", "evil.example.org"]);
        await using var server = new TlsServer(hostile);
        await using var harness = await ProxyHarness.StartAsync(null, o => o with { SslInsecure = true });
        X509Certificate2? shown = null;
        using var handler = new SocketsHttpHandler
        {
            Proxy = new WebProxy(harness.Proxy.Url),
            SslOptions =
            {
                RemoteCertificateValidationCallback = (sender, certificate, chain, errors) =>
                {
                    shown = certificate is null ? null : X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
                    return harness.Authority.IsTrusted(certificate, chain, errors);
                },
            },
        };
        using var client = new HttpClient(handler);

        Assert.Equal("ok", await client.GetStringAsync($"{server.Url}/", TestContext.Current.CancellationToken));

        Assert.NotNull(shown);
        var names = shown.Extensions.OfType<X509SubjectAlternativeNameExtension>().Single().EnumerateDnsNames().ToList();
        Assert.Contains("localhost", names);
        Assert.Contains("*.example.com", names);
        Assert.DoesNotContain("*", names);
        Assert.DoesNotContain("*.com", names);
        Assert.DoesNotContain("*.localhost", names);
        Assert.DoesNotContain("a*.example.com", names);
        Assert.Equal("localhost", shown.GetNameInfo(X509NameType.SimpleName, forIssuer: false));
    }
}
