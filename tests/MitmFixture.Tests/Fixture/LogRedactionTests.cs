using System.Collections.Concurrent;
using MitmFixture.Cassettes;
using MitmFixture.Tests.Support;
using MitmFixture.Xunit.Session;

namespace MitmFixture.Tests.Fixture;

/// <summary>
/// The proxy's log in a test's output (CI logs keep it) is redacted with the cassette's rules: a
/// token in a query string, or one learned from a credential, never shows in the line for its flow.
/// </summary>
public sealed class LogRedactionTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("mitmfixture-logredaction-").FullName;

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(RecordMode.Record)]
    [InlineData(RecordMode.Passthrough)]
    public async Task FlowLine_InTheTestOutput_HasSecretQueryValuesAndLearnedSecretsRedacted(RecordMode mode)
    {
        await using var server = new CountingServer();
        var options = TestFixtureOptions.Isolated(mode, _folder) with { Redaction = new RedactionOptions { QueryParameters = ["api_key"] } };
        await using var host = new FixtureHost(options);
        await host.StartAsync();
        var output = new ConcurrentQueue<string>();
        const string Test = "Api.LogTests.Get";

        var scope = host.OpenScope(Test, "log", new ScopeOwner(Test, Test), output.Enqueue, _ => { });
        using (var client = scope.CreateClient())
        {
            await client.GetStringAsync(server.Url + "/items?access_token=AT-log-424242&page=2", Cancel);
            await client.GetStringAsync(server.Url + "/keys?api_key=KEY-log-636363", Cancel);
            using var bearer = new HttpRequestMessage(HttpMethod.Get, server.Url + "/echo?t=BT-log-535353");
            bearer.Headers.Add("Authorization", "Bearer BT-log-535353");
            using var answer = await client.SendAsync(bearer, Cancel);
        }

        await scope.DisposeAsync();

        // A flow's line is logged once the client has its answer, so the last one can follow the scope's end.
        await Eventually.TrueAsync(() => output.Count(l => l.Contains(" -> 200", StringComparison.Ordinal)) >= 3);

        var log = string.Join("\n", output);
        Assert.Contains("/items?access_token=<ACCESS_TOKEN>&page=2 -> 200", log, StringComparison.Ordinal);
        Assert.Contains("/keys?api_key=<API_KEY> -> 200", log, StringComparison.Ordinal);
        Assert.Contains("/echo?t=<AUTHORIZATION> -> 200", log, StringComparison.Ordinal);
        Assert.DoesNotContain("-log-", log, StringComparison.Ordinal);
    }

    // A failed flow's line was written before the scope learned the flow, so its own credential showed in clear.
    [Theory]
    [InlineData(RecordMode.Record)]
    [InlineData(RecordMode.Passthrough)]
    public async Task FailedFlowLine_InTheTestOutput_HasTheFlowsOwnSecretRedacted(RecordMode mode)
    {
        using var refused = new ClosedPort();
        await using var host = new FixtureHost(TestFixtureOptions.Isolated(mode, _folder));
        await host.StartAsync();
        var output = new ConcurrentQueue<string>();
        const string Test = "Api.LogTests.Fail";

        var scope = host.OpenScope(Test, "failed", new ScopeOwner(Test, Test), output.Enqueue, _ => { });
        using (var client = scope.CreateClient())
        {
            using var bearer = new HttpRequestMessage(HttpMethod.Get, refused.HttpUrl + "/users/BT-fail-717171?echo=BT-fail-717171");
            bearer.Headers.Add("Authorization", "Bearer BT-fail-717171");
            using var answer = await client.SendAsync(bearer, Cancel);
            Assert.Equal(502, (int)answer.StatusCode);
        }

        await Eventually.TrueAsync(() => output.Any(l => l.Contains(" failed: ", StringComparison.Ordinal)));
        await scope.DisposeAsync();

        var log = string.Join("\n", output);
        Assert.Contains("/users/<AUTHORIZATION>?echo=<AUTHORIZATION> failed: ", log, StringComparison.Ordinal);
        Assert.DoesNotContain("BT-fail-717171", log, StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}
