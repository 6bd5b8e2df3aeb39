using MitmFixture.Tests.Support;
using MitmFixture.Xunit.Session;

namespace MitmFixture.Tests.Fixture;

/// <summary>
/// <see cref="FixtureOptions.WithOptionsFile"/> reads the file <c>mitmfixture --options FILE</c> takes,
/// with the same reader and errors, and refuses the options the fixture decides as
/// <see cref="FixtureOptions.With"/> does: a project's options file no longer has to be copied into code.
/// </summary>
public sealed class FixtureOptionsFileTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("mitmfixture-fixtureoptionsfile-").FullName;

    public static TheoryData<string, string> TheSameOptionsInEachFormat() => new()
    {
        { "options.yaml", "anticache: true\nmodify_headers:\n  - /~q/X-From-File/yes\n" },
        { "options.yml", "anticache: true\nmodify_headers: /~q/X-From-File/yes\n" },
        { "options.json", "{\n  // as the CLI reads it: comments and trailing commas allowed\n  \"anticache\": true,\n  \"modify_headers\": [\"/~q/X-From-File/yes\"],\n}\n" },
    };

    [Theory]
    [MemberData(nameof(TheSameOptionsInEachFormat))]
    public async Task WithOptionsFile_ChangesWhatTheServerSees_ThroughTheFixturesClient(string fileName, string text)
    {
        var path = Write(fileName, text);
        await using var upstream = await TestUpstream.StartAsync();
        await using var fixture = await TestFixtureOptions.StartAsync(TestFixtureOptions.Isolated(RecordMode.Passthrough, _folder).WithOptionsFile(path));

        using var request = new HttpRequestMessage(HttpMethod.Get, $"{upstream.HttpUrl}/echo/file");
        request.Headers.TryAddWithoutValidation("If-None-Match", "\"v1\"");
        using var response = await fixture.CreateClient().SendAsync(request, TestContext.Current.CancellationToken);
        var seen = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);

        Assert.Contains("X-From-File: yes\n", seen, StringComparison.Ordinal); // modify_headers
        Assert.DoesNotContain("If-None-Match", seen, StringComparison.OrdinalIgnoreCase); // anticache
    }

    [Fact]
    public void WithOptionsFile_SetsWhatWithSets_KeepsWhatTheFileLeaves_AndAddsToLists()
    {
        var path = Write("options.yaml", "modify_headers:\n  - /~q/X-A/1\nstickycookie: ~d example.com\n");

        var options = new FixtureOptions().With("anticomp", "true").With("modify_headers", "/~q/X-B/2").WithOptionsFile(path);

        var byName = new FixtureOptions().With("anticomp", "true").With("modify_headers", "/~q/X-B/2").With("modify_headers", "/~q/X-A/1").With("stickycookie", "~d example.com");
        Assert.Equal(2, options.Features.ModifyHeaders.Count);
        Assert.Equal(byName.Features.ModifyHeaders, options.Features.ModifyHeaders);
        Assert.Equal(byName.Features.StickyCookie, options.Features.StickyCookie);
        Assert.True(options.Features.Anticomp);
    }

    [Theory]
    [InlineData("options.yaml", "anticache: true\nanticomp: maybe\n", 2, "anticomp")]
    [InlineData("options.json", "{\n  \"anticache\": true,\n  \"stream_large_bodies\": \"lots\"\n}\n", 3, "stream_large_bodies")]
    [InlineData("options.yaml", "anticache: true\n\nno_such_option: 1\n", 3, "no_such_option")]
    public void WithOptionsFile_ABadEntry_NamesTheFileItsLineAndKey(string fileName, string text, int line, string key)
    {
        var path = Write(fileName, text);

        var error = Assert.Throws<ArgumentException>(() => new FixtureOptions().WithOptionsFile(path));

        Assert.Contains($"{path}:{line}: \"{key}\": ", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void WithOptionsFile_NotAMapping_NamesTheFileAndWhatWasExpected()
    {
        var path = Write("options.yaml", "- anticache\n");

        var error = Assert.Throws<ArgumentException>(() => new FixtureOptions().WithOptionsFile(path));

        Assert.Contains($"{path}:1: expected a YAML mapping of option names", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void WithOptionsFile_EveryBadEntry_IsReportedAtOnce()
    {
        var path = Write("options.yaml", "anticache: maybe\nlisten_port: lots\nanticomp: perhaps\n");

        var error = Assert.Throws<ArgumentException>(() => new FixtureOptions().WithOptionsFile(path));

        Assert.Contains($"{path}:1: \"anticache\"", error.Message, StringComparison.Ordinal);
        Assert.Contains($"{path}:2: \"listen_port\"", error.Message, StringComparison.Ordinal);
        Assert.Contains($"{path}:3: \"anticomp\"", error.Message, StringComparison.Ordinal);
    }

    // A project's file is the command line's too, so it may hold what the fixture decides itself
    // (listen_port, confdir) or another command's option: checked like every entry, and left alone, as
    // a command leaves another's; With, code written for the fixture, refuses them.
    [Theory]
    [MemberData(nameof(FixtureOptionsTests.DecidedByTheFixture), MemberType = typeof(FixtureOptionsTests))]
    [InlineData("server_replay")]
    [InlineData("client_replay_stop_on_error")]
    public void WithOptionsFile_AnOptionTheFixtureDecides_IsCheckedAndLeftAlone_WhileWithRefusesIt(string name)
    {
        var option = MitmFixture.Proxy.OptionRegistry.Find(name)!; // the registry declares every name the fixture refuses
        var path = Write("options.yaml", $"anticache: true\n{name}: '{option.Example}'\n");
        Assert.Throws<ArgumentException>(() => new FixtureOptions().With(name, option.Example));

        var fromFile = new FixtureOptions().WithOptionsFile(path);

        Assert.True(fromFile.Features.Anticache);
        Assert.Empty(fromFile.Problems()); // nothing the fixture would refuse at start
        Assert.Equal(option.Default, option.Show(fromFile.Configuration));
    }

    [Fact]
    public void WithOptionsFile_AnOptionTheFixtureDecides_WithABadValue_IsStillRefusedAtItsLine()
    {
        var path = Write("options.yaml", "anticache: true\nlisten_port: lots\n");

        var error = Assert.Throws<ArgumentException>(() => new FixtureOptions().WithOptionsFile(path));

        Assert.Contains($"{path}:2: \"listen_port\"", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void WithOptionsFile_ARelativePath_IsResolvedAgainstTheCurrentDirectory()
    {
        var path = Write("options.yaml", "anticache: true\n");
        var relative = Path.GetRelativePath(Environment.CurrentDirectory, path);
        Assert.False(Path.IsPathRooted(relative)); // the temp folder and the current directory are on one file system here

        Assert.True(new FixtureOptions().WithOptionsFile(relative).Features.Anticache);
    }

    [Fact]
    public void WithOptionsFile_AMissingFile_NamesItsFullPath()
    {
        var path = Path.Combine(_folder, "missing.yaml");

        var error = Assert.Throws<ArgumentException>(() => new FixtureOptions().WithOptionsFile(path));

        Assert.Contains($"{path}: cannot read it: ", error.Message, StringComparison.Ordinal);
    }

    private string Write(string fileName, string text)
    {
        var path = Path.Combine(_folder, fileName);
        File.WriteAllText(path, text);
        return path;
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}
