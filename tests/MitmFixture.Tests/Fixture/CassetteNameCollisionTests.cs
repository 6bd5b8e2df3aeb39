using MitmFixture.Xunit.Session;

namespace MitmFixture.Tests.Fixture;

/// <summary>
/// Two tests whose names make the same cassette file (theory arguments that differ only in characters
/// a file name cannot keep) used to share it: the second replayed the first's answers, or the two
/// overwrote each other. The second one now fails, naming both.
/// </summary>
public sealed class CassetteNameCollisionTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("mitmfixture-names-").FullName;

    [Fact]
    public async Task TwoTheoryCases_OnOneFileName_TheSecondFailsNamingBoth()
    {
        await using var host = new FixtureHost(TestFixtureOptions.Isolated(RecordMode.Record, _folder));
        await host.StartAsync();
        const string First = "Api.Names.Th(arg: \"a*b\")";
        const string Second = "Api.Names.Th(arg: \"a:b\")";

        await using (host.OpenScope(First, null, new ScopeOwner(First, First), null, _ => { }))
        {
        }

        var error = Assert.Throws<InvalidOperationException>(() => host.OpenScope(Second, null, new ScopeOwner(Second, Second), null, _ => { }));

        Assert.Contains(First, error.Message, StringComparison.Ordinal);
        Assert.Contains(Second, error.Message, StringComparison.Ordinal);
        Assert.Contains("UseCassetteAsync(", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OneTest_OpeningItsCassetteAgain_OrTestsSharingAChosenName_AreNotCollisions()
    {
        await using var host = new FixtureHost(TestFixtureOptions.Isolated(RecordMode.Record, _folder));
        await host.StartAsync();
        const string Test = "Api.Names.Twice";

        await using (host.OpenScope(Test, null, new ScopeOwner(Test, Test), null, _ => { }))
        {
        }

        await using (host.OpenScope(Test, null, new ScopeOwner(Test, Test), null, _ => { }))
        {
        }

        await using (host.OpenScope("Api.Names.One", "shared", new ScopeOwner("Api.Names.One", "1"), null, _ => { }))
        {
        }

        await using (host.OpenScope("Api.Names.Two", "shared", new ScopeOwner("Api.Names.Two", "2"), null, _ => { }))
        {
        }
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}
