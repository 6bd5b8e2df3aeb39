using MitmFixture.Tests.Readme;
using MitmFixture.Tests.Support;

namespace MitmFixture.Tests.Packaging;

/// <summary>
/// The packages as a user meets them: packed from this repository into a local feed, installed into
/// a fresh xunit v3 project in a temp folder (its own NuGet packages folder), recording against a
/// local server with <c>-p:MitmFixtureMode=Record</c>, then replaying with the server gone and CI=true.
/// Explicit (about a minute and a half of nested dotnet): <c>dotnet test tests/MitmFixture.Tests -- xUnit.Explicit=on --filter-class *PackageConsumptionTests</c>,
/// or <c>dotnet test --filter FullyQualifiedName~PackageConsumption -- xUnit.Explicit=on</c>.
/// </summary>
public sealed class PackageConsumptionTests : IDisposable
{
    private static readonly TimeSpan Step = TimeSpan.FromMinutes(4);
    private readonly string _folder = Directory.CreateTempSubdirectory("mitmfixture-packages-").FullName;

    [Fact(Explicit = true)]
    public async Task Packages_FromALocalFeed_RecordThenReplayOfflineInAFreshXunitV3Project()
    {
        var root = ReadmeExampleTests.FindRepositoryRoot();
        var version = $"0.0.0-local.{DateTime.UtcNow:yyyyMMddHHmmss}";
        var feed = Path.Combine(_folder, "feed");
        var configuration = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Name; // bin/<configuration>/<framework>
        foreach (var project in new[] { "MitmFixture", "MitmFixture.Xunit", "MitmFixture.Cli" })
        {
            var pack = await Dotnet.RunAsync(root, new Dictionary<string, string?>(), Step, "pack", Path.Combine(root, "src", project), "--no-build", "-c", configuration, "-o", feed, $"-p:Version={version}", "-p:GeneratePackageOnBuild=false");
            pack.AssertSucceeded($"dotnet pack {project}");
        }

        Assert.True(File.Exists(Path.Combine(feed, $"MitmFixture.Xunit.{version}.snupkg")), "symbols are packed beside the package");
        var consumer = Path.Combine(_folder, "consumer");
        Directory.CreateDirectory(consumer);
        await Dotnet.WriteIsolationFilesAsync(consumer);
        var environment = await WriteConsumerAsync(consumer, feed, version);

        await using (var server = new CountingServer())
        {
            environment["UPSTREAM_URL"] = server.Url;
            var record = await Dotnet.RunAsync(consumer, environment, Step, "test", "-p:MitmFixtureMode=Record");
            record.AssertSucceeded("dotnet test -p:MitmFixtureMode=Record");
            Assert.Equal(1, server.Requests);
            environment["UPSTREAM_URL"] = server.Url; // the replay asks for the same URL, with nothing listening there any more
        }

        Assert.True(File.Exists(Path.Combine(consumer, "recordings", "Consumer.QuoteTests.Quote.json")), "the cassette is written beside the project");
        environment["CI"] = "true";
        var replay = await Dotnet.RunAsync(consumer, environment, Step, "test", "--no-build");
        replay.AssertSucceeded("dotnet test --no-build (offline replay on CI)");

        var tool = await Dotnet.RunAsync(_folder, environment, Step, "tool", "install", "MitmFixture.Cli", "--version", version, "--add-source", feed, "--tool-path", Path.Combine(_folder, "tools"));
        tool.AssertSucceeded("dotnet tool install MitmFixture.Cli");
        Assert.True(File.Exists(Path.Combine(_folder, "tools", "mitmfixture")), tool.Output);
    }

    private static async Task<Dictionary<string, string?>> WriteConsumerAsync(string consumer, string feed, string version)
    {
        var packages = Path.Combine(consumer, "..", "nuget-packages");
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
        await File.WriteAllTextAsync(Path.Combine(consumer, "Consumer.csproj"), $"""
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
                <PackageReference Include="MitmFixture.Xunit" Version="{version}" />
                <PackageReference Include="xunit.v3" Version="{Dotnet.PinnedVersion("xunit.v3")}" />
                <PackageReference Include="xunit.runner.visualstudio" Version="{Dotnet.PinnedVersion("xunit.runner.visualstudio")}" />
                <PackageReference Include="Microsoft.NET.Test.Sdk" Version="{Dotnet.PinnedVersion("Microsoft.NET.Test.Sdk")}" />
              </ItemGroup>
            </Project>
            """, TestContext.Current.CancellationToken);
        await File.WriteAllTextAsync(Path.Combine(consumer, "QuoteTests.cs"), """
            using MitmFixture.Xunit;
            using Xunit;

            namespace Consumer;

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
            """, TestContext.Current.CancellationToken);
        return new Dictionary<string, string?> { ["NUGET_PACKAGES"] = Path.GetFullPath(packages) };
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}
