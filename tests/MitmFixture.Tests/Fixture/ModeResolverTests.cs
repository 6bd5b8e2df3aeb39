using MitmFixture.Tests.Readme;
using MitmFixture.Tests.Support;
using MitmFixture.Xunit.Session;

namespace MitmFixture.Tests.Fixture;

public sealed class ModeResolverTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("mitmfixture-mode-").FullName;

    [Theory]
    [InlineData(null, null, RecordMode.Auto)]
    [InlineData(null, "Record", RecordMode.Record)]
    [InlineData("replay", "Record", RecordMode.Replay)]
    [InlineData("Passthrough", null, RecordMode.Passthrough)]
    [InlineData(" ", "record", RecordMode.Record)]
    public void Resolve_EnvironmentVariableWinsOverPropertyWhichWinsOverOption(string? variable, string? property, RecordMode expected)
    {
        var environment = new Dictionary<string, string?> { [ModeResolver.EnvironmentVariable] = variable, [ModeResolver.PropertyVariable] = property };

        Assert.Equal(expected, ModeResolver.Resolve(RecordMode.Auto, name => environment[name]));
    }

    [Fact]
    public void Resolve_UnknownMode_SaysWhereItCameFrom()
    {
        var error = Assert.Throws<ArgumentException>(() => ModeResolver.Resolve(RecordMode.Auto, name => name == ModeResolver.PropertyVariable ? "Recrod" : null));

        Assert.Equal("the MitmFixtureMode MSBuild property is 'Recrod': expected Record, Replay, Auto, Passthrough or Drift", error.Message);
    }

    /// <summary>
    /// A real xunit v3 project importing the package's targets file: <c>dotnet test -p:MitmFixtureMode=Record</c>
    /// records in that run, and the next run (<c>--no-build</c>, so the same binaries) is back to the fixture's mode.
    /// Explicit (half a minute of nested dotnet, which would double the suite's time); .ci/run runs it:
    /// <c>dotnet test tests/MitmFixture.Tests --filter FullyQualifiedName~MsBuildProperty -- xUnit.Explicit=on</c>.
    /// </summary>
    [Fact(Explicit = true)]
    public async Task MsBuildProperty_AppliesToThatDotnetTestRunOnly()
    {
        var targets = Path.Combine(ReadmeExampleTests.FindRepositoryRoot(), "src", "MitmFixture.Xunit", "build", "MitmFixture.Xunit.targets");
        var fixtureDll = typeof(ModeResolver).Assembly.Location;
        await Dotnet.WriteIsolationFilesAsync(_folder);
        await File.WriteAllTextAsync(Path.Combine(_folder, "ModeProbe.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <TargetFramework>net10.0</TargetFramework>
                <OutputType>Exe</OutputType>
                <IsTestProject>true</IsTestProject>
                <ImplicitUsings>enable</ImplicitUsings>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="xunit.v3" Version="{Dotnet.PinnedVersion("xunit.v3")}" />
                <PackageReference Include="xunit.runner.visualstudio" Version="{Dotnet.PinnedVersion("xunit.runner.visualstudio")}" />
                <PackageReference Include="Microsoft.NET.Test.Sdk" Version="{Dotnet.PinnedVersion("Microsoft.NET.Test.Sdk")}" />
                <Reference Include="MitmFixture.Xunit" HintPath="{fixtureDll}" />
              </ItemGroup>
              <Import Project="{targets}" />
            </Project>
            """, TestContext.Current.CancellationToken);
        // The probe sees what the fixture's resolver reads (the resolver is internal; Resolve_* above
        // covers how it maps the variable to a mode, applied to what the probe saw below).
        await File.WriteAllTextAsync(Path.Combine(_folder, "ModeProbe.cs"), $$"""
            public sealed class ProbeTests
            {
                [Xunit.Fact]
                public void WriteMode() =>
                    File.WriteAllText(Path.Combine(AppContext.BaseDirectory, "mode.txt"), Environment.GetEnvironmentVariable("{{ModeResolver.PropertyVariable}}") ?? "");
            }
            """, TestContext.Current.CancellationToken);
        var modeFile = Path.Combine(_folder, "bin", "Debug", "net10.0", "mode.txt");
        var none = new Dictionary<string, string?>();

        var first = await Dotnet.RunAsync(_folder, none, TimeSpan.FromMinutes(4), "test", "-p:MitmFixtureMode=Record", "--disable-build-servers");
        first.AssertSucceeded("dotnet test -p:MitmFixtureMode=Record");
        Assert.Equal(RecordMode.Record, ResolvedFrom(await File.ReadAllTextAsync(modeFile, TestContext.Current.CancellationToken)));

        var second = await Dotnet.RunAsync(_folder, none, TimeSpan.FromMinutes(2), "test", "--no-build");
        second.AssertSucceeded("dotnet test --no-build");
        Assert.Equal(RecordMode.Auto, ResolvedFrom(await File.ReadAllTextAsync(modeFile, TestContext.Current.CancellationToken)));
    }

    private static RecordMode ResolvedFrom(string propertyVariable) =>
        ModeResolver.Resolve(RecordMode.Auto, name => name == ModeResolver.PropertyVariable ? propertyVariable : null);

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}
