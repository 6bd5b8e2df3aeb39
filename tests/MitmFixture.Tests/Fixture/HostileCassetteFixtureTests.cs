using MitmFixture.Cassettes;
using MitmFixture.Tests.Support;
using MitmFixture.Xunit;
using MitmFixture.Xunit.Session;

namespace MitmFixture.Tests.Fixture;

/// <summary>The fixture given a hostile cassette: the test fails where it starts the cassette, with file, line, JSON path and reason.</summary>
public sealed class HostileCassetteFixtureTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("mitmfixture-hostile-fixture-").FullName;

    public static TheoryData<string, string, string, string> Fields => HostileCassettes.Fields;

    [Theory]
    [MemberData(nameof(Fields))]
    public async Task UseCassette_HostileField_ThrowsOneLineFormatError(string field, string value, string jsonPath, string reason)
    {
        var path = Path.Combine(_folder, "hostile.json");
        await File.WriteAllTextAsync(path, HostileCassettes.With(8080, field, value), TestContext.Current.CancellationToken);
        foreach (var mode in (RecordMode[])[RecordMode.Replay, RecordMode.Auto])
        {
            await using var fixture = ProxyFixture.WithOptions(TestFixtureOptions.Isolated(mode, _folder));
            await fixture.InitializeAsync();

            var error = await Assert.ThrowsAsync<CassetteFormatException>(() => fixture.UseCassetteAsync("hostile"));

            Assert.StartsWith($"{path}:{HostileCassettes.LineOf(field)} at {jsonPath}: ", error.Message, StringComparison.Ordinal);
            Assert.Contains(reason, error.Message, StringComparison.Ordinal);
            Assert.DoesNotContain('\n', error.Message);
        }
    }

    [Fact]
    public async Task UseCassette_NullFlow_ThrowsOneLineFormatError()
    {
        var path = Path.Combine(_folder, "null.json");
        await File.WriteAllTextAsync(path, """{"version":1,"flows":[null]}""", TestContext.Current.CancellationToken);
        await using var fixture = ProxyFixture.WithOptions(TestFixtureOptions.Isolated(RecordMode.Replay, _folder));
        await fixture.InitializeAsync();

        var error = await Assert.ThrowsAsync<CassetteFormatException>(() => fixture.UseCassetteAsync("null"));

        Assert.Equal($"{path}:1 at $.flows[0]: expected a flow object, got null", error.Message);
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}
