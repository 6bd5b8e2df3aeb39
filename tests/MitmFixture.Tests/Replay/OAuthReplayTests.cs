using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using MitmFixture.Addons;
using MitmFixture.Cassettes;
using MitmFixture.Flows;
using MitmFixture.Replay;
using MitmFixture.Tests.Support;

namespace MitmFixture.Tests.Replay;

/// <summary>
/// The most common flow in integration tests: an OAuth 2.0 client-credentials exchange, then API
/// calls with the token (RFC 6749 §4.4, RFC 6750 §2.1 and §2.3), then a refresh. Recorded against a
/// real Kestrel token endpoint and API, no secret reaches the cassette, and it replays offline.
/// </summary>
public sealed class OAuthReplayTests : IDisposable
{
    private const string ClientId = "test-client";
    private const string ClientSecret = "cl1ent-s3cret-value";
    private readonly string _directory = Directory.CreateTempSubdirectory("mitmfixture-oauth-").FullName;

    private string CassettePath => Path.Combine(_directory, "oauth.json");

    [Fact]
    public async Task ClientCredentialsThenApiCalls_RecordedWithoutSecrets_ReplayOfflineWithTheServerStopped()
    {
        await using var server = new OAuthServer();
        List<string> recorded;
        var writer = CassetteWriter.Create(CassettePath);
        await using (var harness = await ProxyHarness.StartAsync(null, o => o with { Addons = [new RecordingAddon(writer)] }))
        {
            recorded = await ClientSessionAsync(harness.CreateClient(), server.Url);
        }

        await writer.DisposeAsync();
        var issued = server.Issued.ToList();
        await server.DisposeAsync();

        var text = await File.ReadAllTextAsync(CassettePath, TestContext.Current.CancellationToken);
        Assert.Equal(4, issued.Count); // two access tokens, two refresh tokens
        foreach (var secret in issued.Append(ClientSecret).Append(Convert.ToBase64String(Encoding.UTF8.GetBytes($"{ClientId}:{ClientSecret}"))))
        {
            Assert.DoesNotContain(secret, text, StringComparison.Ordinal);
        }

        var flows = Cassette.Load(CassettePath).Flows;
        Assert.Contains("\"access_token\":\"<ACCESS_TOKEN>\"", flows[0].Response!.Text, StringComparison.Ordinal);
        Assert.Equal("Bearer <ACCESS_TOKEN>", flows[1].Request.Headers["Authorization"]);
        Assert.Equal("Bearer <ACCESS_TOKEN-2>", flows[4].Request.Headers["Authorization"]);

        var cassette = Cassette.Load(CassettePath);
        var replay = new ServerReplayAddon(new ReplayStore(cassette.Flows, new ServerReplayOptions { KillExtra = true }, cassette.Modes), null, Redactor.Default);
        await using var offline = await ProxyHarness.StartAsync(null, o => o with { Addons = [replay] });
        var replayed = await ClientSessionAsync(offline.CreateClient(), server.Url);

        Assert.All(recorded, a => Assert.StartsWith("200 {\"items\"", a, StringComparison.Ordinal));
        Assert.Equal(recorded, replayed);
        Assert.Equal(5, offline.Proxy.Flows.Snapshot().Count);
        Assert.All(offline.Proxy.Flows.Snapshot(), f => Assert.Equal(ReplayKind.Response, f.Replay));
        Assert.Equal(0, replay.Store.Remaining);
    }

    [Fact]
    public async Task ClientCredentialsThenApiCalls_ThroughTheXunitFixture_RecordThenReplayOffline()
    {
        var options = MitmFixture.Tests.Fixture.TestFixtureOptions.Isolated(MitmFixture.Xunit.Session.RecordMode.Auto, _directory); // free of MITMFIXTURE_MODE and CI
        await using var server = new OAuthServer();
        List<string> recorded;
        await using (var fixture = MitmFixture.Xunit.ProxyFixture.WithOptions(options with { Mode = MitmFixture.Xunit.Session.RecordMode.Record }))
        {
            await fixture.InitializeAsync();
            await using var cassette = await fixture.UseCassetteAsync("oauth");
            recorded = await ClientSessionAsync(fixture.CreateClient(), server.Url);
        }

        var issued = server.Issued.ToList();
        await server.DisposeAsync();
        var text = await File.ReadAllTextAsync(Directory.GetFiles(_directory, "oauth*.json").Single(), TestContext.Current.CancellationToken);
        Assert.All(issued, secret => Assert.DoesNotContain(secret, text, StringComparison.Ordinal));

        await using (var fixture = MitmFixture.Xunit.ProxyFixture.WithOptions(options with { Mode = MitmFixture.Xunit.Session.RecordMode.Replay }))
        {
            await fixture.InitializeAsync();
            await using var cassette = await fixture.UseCassetteAsync("oauth");
            Assert.Equal(recorded, await ClientSessionAsync(fixture.CreateClient(), server.Url));
        }
    }

    /// <summary>Token, two API calls (header and query), refresh, one more call; returns what the API said.</summary>
    private static async Task<List<string>> ClientSessionAsync(HttpClient client, string baseUrl)
    {
        var ct = TestContext.Current.CancellationToken;
        var answers = new List<string>();
        using var tokenRequest = new HttpRequestMessage(HttpMethod.Post, $"{baseUrl}/oauth/token")
        {
            Content = new FormUrlEncodedContent([new("grant_type", "client_credentials"), new("scope", "items")]),
        };
        tokenRequest.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{ClientId}:{ClientSecret}")));
        var token = await ReadTokenAsync(await client.SendAsync(tokenRequest, ct));

        answers.Add(await GetItemsAsync(client, $"{baseUrl}/api/items", token.Access));
        using (var byQuery = await client.GetAsync($"{baseUrl}/api/items?access_token={Uri.EscapeDataString(token.Access)}", ct))
        {
            answers.Add($"{(int)byQuery.StatusCode} {await byQuery.Content.ReadAsStringAsync(ct)}");
        }


        var refreshed = await ReadTokenAsync(await client.PostAsync($"{baseUrl}/oauth/token", new FormUrlEncodedContent([new("grant_type", "refresh_token"), new("refresh_token", token.Refresh)]), ct));
        answers.Add(await GetItemsAsync(client, $"{baseUrl}/api/items", refreshed.Access));
        return answers;
    }

    private static async Task<string> GetItemsAsync(HttpClient client, string url, string accessToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        using var response = await client.SendAsync(request, TestContext.Current.CancellationToken);
        return $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)}";
    }

    private static async Task<(string Access, string Refresh)> ReadTokenAsync(HttpResponseMessage response)
    {
        using (response)
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var json = await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);
            return (json.GetProperty("access_token").GetString()!, json.GetProperty("refresh_token").GetString()!);
        }
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    /// <summary>A token endpoint and an API that accept only the tokens it issued, fresh random ones each time.</summary>
    private sealed class OAuthServer : IAsyncDisposable
    {
        private readonly WebApplication _app;
        private readonly ConcurrentDictionary<string, bool> _access = new();
        private readonly ConcurrentDictionary<string, bool> _refresh = new();

        public OAuthServer()
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
            builder.Logging.ClearProviders();
            _app = builder.Build();
            _app.MapPost("/oauth/token", async (HttpContext context) =>
            {
                var form = await context.Request.ReadFormAsync();
                var basic = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{ClientId}:{ClientSecret}"));
                var allowed = form["grant_type"] == "client_credentials"
                    ? context.Request.Headers.Authorization == $"Basic {basic}"
                    : form["grant_type"] == "refresh_token" && _refresh.TryRemove(form["refresh_token"].ToString(), out _);
                if (!allowed)
                {
                    return Results.Json(new { error = "invalid_client" }, statusCode: 401);
                }

                var access = "at-" + Guid.NewGuid().ToString("N");
                var refresh = "rt-" + Guid.NewGuid().ToString("N");
                _access[access] = true;
                _refresh[refresh] = true;
                Issued.Enqueue(access);
                Issued.Enqueue(refresh);
                return Results.Json(new Dictionary<string, object> { ["access_token"] = access, ["token_type"] = "Bearer", ["expires_in"] = 3600, ["refresh_token"] = refresh });
            });
            _app.MapGet("/api/items", (HttpContext context) =>
            {
                var header = context.Request.Headers.Authorization.ToString();
                var token = header.StartsWith("Bearer ", StringComparison.Ordinal) ? header[7..] : context.Request.Query["access_token"].ToString();
                return _access.ContainsKey(token) ? Results.Json(new { items = (string[])["apple", "pear"] }) : Results.StatusCode(401);
            });
            _app.StartAsync().GetAwaiter().GetResult();
            Url = _app.Urls.Single().TrimEnd('/');
        }

        public string Url { get; }

        public ConcurrentQueue<string> Issued { get; } = new();

        public ValueTask DisposeAsync() => _app.DisposeAsync();
    }
}
