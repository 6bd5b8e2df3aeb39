using MitmFixture.Cassettes;
using MitmFixture.Flows;
using MitmFixture.Http;
using MitmFixture.Replay;
using MitmFixture.Replay.Drift;

namespace MitmFixture.Tests.Replay.Drift;

/// <summary>The drift check reads the live traffic redacted as one cassette, as the recording was.</summary>
public sealed class TrafficDriftTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("mitmfixture-trafficdrift-").FullName;

    private static Flow Token(string token) => new(HttpRequest.Create("POST", "https://auth.test/token"))
    {
        Response = HttpResponse.Create(200, $"{{\"access_token\":\"{token}\"}}", "application/json"),
    };

    // The live service hands out a new token, which the next request carries in a field redaction
    // does not know by name: redacted flow by flow, that request showed the token in the diff and drifted.
    [Fact]
    public void ATokenFromALiveAnswer_IsRedactedInTheLaterRequestsThatCarryIt()
    {
        const string Recorded = "at-recorded-616161";
        const string Live = "at-live-626262";
        Flow Items(string token) => new(HttpRequest.Create("GET", $"https://api.test/items?t={token}")) { Response = HttpResponse.Create(200, $"items for {token}") };
        var path = Path.Combine(_directory, "c.json");
        Cassette.Save(path, [Token(Recorded), Items(Recorded)]);

        var drift = TrafficDrift.Compare([Token(Live), Items(Live)], Cassette.Load(path), new ServerReplayOptions(), Redactor.Default, new TrafficScrubOptions());

        Assert.All(drift.Flows, f => Assert.Equal(DriftVerdict.Same, f.Verdict));
        Assert.Empty(drift.Unrecorded);
        Assert.DoesNotContain(Live, drift.Describe(), StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
