using MitmFixture.Tests.Readme;
using MitmFixture.Tests.Support;

namespace MitmFixture.Tests.Packaging;

/// <summary>
/// The packages as a user meets them: packed from this repository into a local feed, installed into
/// fresh xunit v3 and xunit 2 projects in a temp folder (their own NuGet packages folder), recording against a
/// local server with <c>-p:MitmFixtureMode=Record</c>, then replaying with the server gone and CI=true.
/// Explicit (about a minute and a half of nested dotnet): <c>dotnet test tests/MitmFixture.Tests -- xUnit.Explicit=on --filter-class *PackageConsumptionTests</c>,
/// or <c>dotnet test --filter FullyQualifiedName~PackageConsumption -- xUnit.Explicit=on</c>.
/// </summary>
public sealed class PackageConsumptionTests : IDisposable
{
    private static readonly TimeSpan Step = TimeSpan.FromMinutes(4);
    private readonly string _folder = Directory.CreateTempSubdirectory("mitmfixture-packages-").FullName;

    [Fact(Explicit = true)]
    public async Task Packages_FromALocalFeed_RecordThenReplayOfflineInFreshXunitV3AndXunit2Projects()
    {
        var root = ReadmeExampleTests.FindRepositoryRoot();
        var version = $"0.0.0-local.{DateTime.UtcNow:yyyyMMddHHmmss}";
        var feed = Path.Combine(_folder, "feed");
        var configuration = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Name; // bin/<configuration>/<framework>
        foreach (var project in new[] { "MitmFixture", "MitmFixture.Xunit", "MitmFixture.Xunit.V2", "MitmFixture.Cli" })
        {
            // The V2 adapter is not referenced by this test project, so it may not be built yet: it builds here.
            string[] build = project == "MitmFixture.Xunit.V2" ? [] : ["--no-build"];
            var pack = await Dotnet.RunAsync(root, new Dictionary<string, string?>(), Step, ["pack", Path.Combine(root, "src", project), .. build, "-c", configuration, "-o", feed, $"-p:Version={version}", "-p:GeneratePackageOnBuild=false"]);
            pack.AssertSucceeded($"dotnet pack {project}");
            Assert.True(File.Exists(Path.Combine(feed, $"{project}.{version}.snupkg")), $"symbols are packed beside {project}");
        }

        await RecordThenReplayAsync(feed, version, "ConsumerV3", V3Project, V3Test);
        await RecordThenReplayAsync(feed, version, "ConsumerV2", V2Project, V2Test);

        var tool = await Dotnet.RunAsync(_folder, new Dictionary<string, string?> { ["NUGET_PACKAGES"] = Path.Combine(_folder, "nuget-packages") }, Step, "tool", "install", "MitmFixture.Cli", "--version", version, "--add-source", feed, "--tool-path", Path.Combine(_folder, "tools"));
        tool.AssertSucceeded("dotnet tool install MitmFixture.Cli");
        Assert.True(File.Exists(Path.Combine(_folder, "tools", "mitmfixture")), tool.Output);
    }

    private const string V3Project = """
        <PackageReference Include="MitmFixture.Xunit" Version="{version}" />
        <PackageReference Include="xunit.v3" Version="{xunit.v3}" />
        """;

    private const string V3Test = """
        using MitmFixture.Xunit;
        using Xunit;

        namespace ConsumerV3;

        public sealed class QuoteTests(ProxyFixture proxy) : IClassFixture<ProxyFixture>
        {
            [Fact]
            public async Task Quote()
            {
                await using var cassette = await proxy.UseCassetteAsync();
                var text = await proxy.CreateClient().GetStringAsync(Environment.GetEnvironmentVariable("UPSTREAM_URL") + "/quote", TestContext.Current.CancellationToken);
                Assert.Equal("answer 1", text);
            }
        }
        """;

    private const string V2Project = """
        <PackageReference Include="MitmFixture.Xunit.V2" Version="{version}" />
        <PackageReference Include="xunit" Version="2.9.3" />
        """;

    private const string V2Test = """
        using MitmFixture.Xunit;
        using Xunit;
        using Xunit.Abstractions;

        namespace ConsumerV2;

        public sealed class QuoteTests(ProxyFixture proxy, ITestOutputHelper output) : IClassFixture<ProxyFixture>
        {
            [Fact]
            public async Task Quote()
            {
                await using var cassette = await proxy.UseCassetteAsync(output);
                var text = await proxy.CreateClient().GetStringAsync(Environment.GetEnvironmentVariable("UPSTREAM_URL") + "/quote");
                Assert.Equal("answer 1", text);
            }
        }
        """;

    /// <summary>A fresh test project on the packages: records with -p:MitmFixtureMode=Record, then replays with the server gone and CI=true.</summary>
    private async Task RecordThenReplayAsync(string feed, string version, string name, string references, string test)
    {
        var consumer = Path.Combine(_folder, name);
        Directory.CreateDirectory(consumer);
        await Dotnet.WriteIsolationFilesAsync(consumer);
        var cached = Environment.GetEnvironmentVariable("NUGET_PACKAGES") ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        await File.WriteAllTextAsync(Path.Combine(consumer, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <clear />
                <add key="local" value="{feed}" />
                <add key="nuget.org" value="https://api.nuget.org/v3/index.json" />
              </packageSources>
            </configuration>
            """, TestContext.Current.CancellationToken);
        var packageReferences = references.Replace("{version}", version, StringComparison.Ordinal).Replace("{xunit.v3}", Dotnet.PinnedVersion("xunit.v3"), StringComparison.Ordinal);
        await File.WriteAllTextAsync(Path.Combine(consumer, name + ".csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <TargetFramework>net10.0</TargetFramework>
                <OutputType>Exe</OutputType>
                <IsTestProject>true</IsTestProject>
                <ImplicitUsings>enable</ImplicitUsings>
                <Nullable>enable</Nullable>
                <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
                <!-- Packages already on this machine are read from there, never written: this project's own folder takes the rest. -->
                <RestoreAdditionalProjectFallbackFolders>{cached}</RestoreAdditionalProjectFallbackFolders>
              </PropertyGroup>
              <ItemGroup>
                {packageReferences}
                <PackageReference Include="xunit.runner.visualstudio" Version="{Dotnet.PinnedVersion("xunit.runner.visualstudio")}" />
                <PackageReference Include="Microsoft.NET.Test.Sdk" Version="{Dotnet.PinnedVersion("Microsoft.NET.Test.Sdk")}" />
              </ItemGroup>
            </Project>
            """, TestContext.Current.CancellationToken);
        await File.WriteAllTextAsync(Path.Combine(consumer, "QuoteTests.cs"), test, TestContext.Current.CancellationToken);
        var environment = new Dictionary<string, string?> { ["NUGET_PACKAGES"] = Path.Combine(_folder, "nuget-packages") };

        await using (var server = new CountingServer())
        {
            environment["UPSTREAM_URL"] = server.Url;
            var record = await Dotnet.RunAsync(consumer, environment, Step, "test", "-p:MitmFixtureMode=Record");
            record.AssertSucceeded($"{name}: dotnet test -p:MitmFixtureMode=Record");
            Assert.Equal(1, server.Requests);
        }

        Assert.True(File.Exists(Path.Combine(consumer, "recordings", $"{name}.QuoteTests.Quote.json")), $"{name}: the cassette is written beside the project");
        environment["CI"] = "true"; // Auto never records on CI: the replay is from the cassette, with nothing listening at UPSTREAM_URL any more
        var replay = await Dotnet.RunAsync(consumer, environment, Step, "test", "--no-build");
        replay.AssertSucceeded($"{name}: dotnet test --no-build (offline replay on CI)");
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}
