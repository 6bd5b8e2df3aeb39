using MitmFixture.Xunit.Session;

namespace MitmFixture.Tests.Fixture;

/// <summary>
/// The environment the fixture reads: CI as build servers set it (Auto must never record there, and
/// Azure Pipelines, Jenkins, TeamCity and CodeBuild do not set CI at all), and yes/no switches that
/// refuse what is neither rather than read it as "no".
/// </summary>
public sealed class EnvironmentSwitchesTests
{
    private static Func<string, string?> Environment(params (string Name, string Value)[] variables) =>
        name => variables.FirstOrDefault(v => v.Name == name).Value;

    [Theory]
    [InlineData("true", "CI=true")]
    [InlineData("True", "CI=True")] // AppVeyor
    [InlineData("1", "CI=1")]
    [InlineData("woodpecker", "CI=woodpecker")] // Woodpecker writes its name
    [InlineData("false", null)]
    [InlineData("0", null)]
    public void ContinuousIntegration_FromCI(string value, string? expected) =>
        Assert.Equal(expected, EnvironmentSwitches.ContinuousIntegration(Environment(("CI", value))));

    [Theory]
    [InlineData("TF_BUILD", "True")] // Azure Pipelines
    [InlineData("JENKINS_URL", "http://jenkins:8080/")]
    [InlineData("TEAMCITY_VERSION", "2025.03")]
    [InlineData("CODEBUILD_BUILD_ID", "project:1234")]
    public void ContinuousIntegration_FromABuildServerThatSetsNoCI(string name, string value) =>
        Assert.Equal(name, EnvironmentSwitches.ContinuousIntegration(Environment((name, value))));

    [Fact]
    public void ContinuousIntegration_ExplicitCIFalse_WinsOverABuildServersVariable() =>
        Assert.Null(EnvironmentSwitches.ContinuousIntegration(Environment(("CI", "false"), ("TF_BUILD", "True"))));

    [Fact]
    public void ContinuousIntegration_NothingSet_IsNone() =>
        Assert.Null(EnvironmentSwitches.ContinuousIntegration(Environment()));

    [Theory]
    [InlineData(null, false)]
    [InlineData("", false)]
    [InlineData("0", false)]
    [InlineData("False", false)]
    [InlineData("1", true)]
    [InlineData("true", true)]
    [InlineData("TRUE", true)]
    public void Switch_YesOrNo(string? value, bool expected) =>
        Assert.Equal(expected, EnvironmentSwitches.IsOn(EnvironmentSwitches.Accept, Environment((EnvironmentSwitches.Accept, value!))));

    [Theory]
    [InlineData("yes")]
    [InlineData("on")]
    [InlineData("2")]
    public void Switch_NeitherYesNorNo_IsRefusedNamingTheVariable(string value)
    {
        var refused = Assert.Throws<ArgumentException>(() => EnvironmentSwitches.IsOn(EnvironmentSwitches.Accept, Environment((EnvironmentSwitches.Accept, value))));

        Assert.Equal($"MITMFIXTURE_ACCEPT is '{value}': expected 1 or true to turn it on, 0, false or nothing to leave it off", refused.Message);
    }

    [Fact]
    public async Task BadSwitchValue_FailsTheFixturesStartNamingIt_AndCodeCanStillSetTheOption()
    {
        var folder = Directory.CreateTempSubdirectory("mitmfixture-switches-").FullName;
        try
        {
            var environment = Environment((EnvironmentSwitches.Accept, "yes"));
            var setInCode = TestFixtureOptions.Isolated(RecordMode.Record, folder) with { ReadEnvironment = environment }; // sets both accept options
            var fromEnvironment = new FixtureOptions { Mode = RecordMode.Record, CassetteFolder = folder, ReadEnvironment = environment, ContinuousIntegration = false };

            Assert.Empty(setInCode.Problems()); // the environment is not read for an option set in code
            Assert.Equal(["MITMFIXTURE_ACCEPT is 'yes': expected 1 or true to turn it on, 0, false or nothing to leave it off"], fromEnvironment.Problems()); // once, for both options it serves
            await using var fixture = await TestFixtureOptions.StartAsync(fromEnvironment);
            var failure = await Assert.ThrowsAsync<InvalidOperationException>(() => fixture.UseCassetteAsync("never")); // "the MitmFixture proxy did not start: ...", as for every start-up problem
            Assert.Contains("MITMFIXTURE_ACCEPT is 'yes'", failure.Message, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
