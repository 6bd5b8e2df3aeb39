using System.Text.Json;
using MitmFixture.Cassettes;
using MitmFixture.Filters;
using MitmFixture.Tests.Proxy;
using MitmFixture.Tests.Support;

namespace MitmFixture.Tests.Cassettes;

/// <summary>Connection details recorded live, kept in the cassette (format 2), read back, matched by filters and exported to HAR.</summary>
public sealed class ConnectionMapperTests(UpstreamFixture fixture) : IClassFixture<UpstreamFixture>, IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("mitmfixture-connection-").FullName;

    [Fact]
    public async Task RecordedTlsFlow_SavedAndLoaded_KeepsBothSidesAndFiltersMatch()
    {
        var upstream = fixture.Upstream;
        await using var harness = await ProxyHarness.StartAsync(upstream);
        await harness.CreateClient().GetStringAsync($"{upstream.HttpsUrl}/echo/conn", TestContext.Current.CancellationToken);
        var live = Assert.Single(harness.Proxy.Flows.Snapshot());
        var path = Path.Combine(_directory, "c.json");

        Cassette.Save(path, [live]);
        var loaded = Assert.Single(Cassette.Load(path).Flows);

        Assert.Equal(live.Client.PeerAddress, loaded.Client.PeerAddress);
        Assert.Equal("localhost", loaded.Client.Sni);
        Assert.NotNull(loaded.Client.TlsVersion);
        Assert.NotNull(loaded.Client.Cipher);
        Assert.Equal($"localhost:{upstream.HttpsPort}", loaded.Server.Address);
        Assert.Equal(live.Server.PeerAddress, loaded.Server.PeerAddress);
        Assert.Equal(live.Server.TlsVersion, loaded.Server.TlsVersion);
        var certificate = loaded.Server.Certificate!;
        Assert.Equal(live.Server.Certificate!.Sha256, certificate.Sha256);
        Assert.Contains("localhost", certificate.SubjectAlternativeNames);
        Assert.True(certificate.NotAfter > certificate.NotBefore);
        Assert.Equal(live.Server.TimestampTlsSetup, loaded.Server.TimestampTlsSetup);
        foreach (var expression in new[] { "~src 127.0.0.1", $"~dst localhost:{upstream.HttpsPort}", "~dst localhost" })
        {
            Assert.True(FlowFilter.Parse(expression).Matches(live), "live: " + expression);
            Assert.True(FlowFilter.Parse(expression).Matches(loaded), "loaded: " + expression);
        }

        Assert.False(FlowFilter.Parse("~src 10.9.9.9").Matches(loaded));
    }

    [Fact]
    public void Version1Cassette_LoadsThroughTheMigration_WithTheServerFromTheRequest()
    {
        var path = Path.Combine(_directory, "v1.json");
        File.WriteAllText(path, "{\n  \"version\": 1,\n  \"flows\": [\n    {\n      \"id\": \"x\",\n      \"request\": { \"method\": \"GET\", \"scheme\": \"https\", \"host\": \"api.example.com\", \"port\": 443, \"path\": \"/\", \"http_version\": \"HTTP/1.1\", \"headers\": [] }\n    }\n  ]\n}\n");

        var flow = Assert.Single(Cassette.Load(path).Flows);

        Assert.Equal("api.example.com:443", flow.Server.Address);
        Assert.True(FlowFilter.Parse("~dst api.example.com").Matches(flow));
        Assert.Null(flow.Client.PeerAddress);
    }

    [Theory]
    [InlineData("\"client\": {\"address\": \"not-an-address\"}", "connection.client.address")]
    [InlineData("\"client\": {\"address\": \"127.0.0.1\"}", "connection.client.address")]
    [InlineData("\"server\": {\"address\": \"a b:1\"}", "connection.server.address")]
    [InlineData("\"server\": {\"address\": \"h:1\", \"sni\": \"x\\u001b[31m\"}", "connection.server.sni")]
    [InlineData("\"server\": {\"address\": \"h:1\", \"certificate\": {\"subject\": \"CN=h\", \"issuer\": \"CN=ca\", \"sans\": [], \"not_before\": \"2026-01-01T00:00:00Z\", \"not_after\": \"2027-01-01T00:00:00Z\", \"sha256\": \"zz\"}}", "connection.server.certificate.sha256")]
    [InlineData("\"server\": {\"address\": \"h:1\", \"certificate\": {\"subject\": \"CN=h\\r\\nX\", \"issuer\": \"CN=ca\", \"sans\": [], \"not_before\": \"2026-01-01T00:00:00Z\", \"not_after\": \"2027-01-01T00:00:00Z\", \"sha256\": \"" + "AB" + "0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCD\"}}", "connection.server.certificate.subject")]
    public void Load_HostileConnectionField_RefusedWithItsPath(string connection, string expected)
    {
        var path = Path.Combine(_directory, "hostile.json");
        File.WriteAllText(path, "{\"version\": 2, \"flows\": [{\"id\": \"x\", \"request\": {\"method\": \"GET\", \"scheme\": \"http\", \"host\": \"h\", \"port\": 1, \"path\": \"/\", \"http_version\": \"HTTP/1.1\", \"headers\": []}, \"connection\": {" + connection + "}}]}");

        var error = Assert.Throws<CassetteFormatException>(() => Cassette.Load(path));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HarExport_CarriesServerAddressConnectionAndConnectSslTimings()
    {
        var upstream = fixture.Upstream;
        await using var harness = await ProxyHarness.StartAsync(upstream);
        await harness.CreateClient().GetStringAsync($"{upstream.HttpsUrl}/echo/har", TestContext.Current.CancellationToken);
        var path = Path.Combine(_directory, "c.har");

        var live = Assert.Single(harness.Proxy.Flows.Snapshot());
        var resolved = live.Server.PeerAddress!.Address.ToString(); // localhost: 127.0.0.1 or ::1

        Har.Export(path, [live]);
        using var document = JsonDocument.Parse(File.ReadAllText(path));
        var entry = document.RootElement.GetProperty("log").GetProperty("entries")[0];

        Assert.Equal(resolved, entry.GetProperty("serverIPAddress").GetString());
        Assert.False(string.IsNullOrEmpty(entry.GetProperty("connection").GetString()));
        Assert.True(entry.GetProperty("timings").GetProperty("connect").GetDouble() >= 0);
        Assert.True(entry.GetProperty("timings").GetProperty("ssl").GetDouble() >= 0);
        var back = Assert.Single(Har.Import(path));
        Assert.Equal(resolved, back.Server.PeerAddress?.Address.ToString());
        Assert.True(FlowFilter.Parse("~dst localhost").Matches(back));
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
