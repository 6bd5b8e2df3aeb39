namespace MitmFixture.Xunit.Session;

/// <summary>
/// The mode in force, first found wins: the <c>MITMFIXTURE_MODE</c> environment variable; the
/// <c>MitmFixtureMode</c> MSBuild property of this <c>dotnet test</c> run (passed to the test host as
/// <c>MITMFIXTURE_MODE_PROPERTY</c> by the package's targets file); the fixture's option.
/// </summary>
internal static class ModeResolver
{
    public const string EnvironmentVariable = "MITMFIXTURE_MODE";

    /// <summary>Set by <c>build/MitmFixture.Xunit.targets</c> for one run from <c>-p:MitmFixtureMode</c>.</summary>
    public const string PropertyVariable = "MITMFIXTURE_MODE_PROPERTY";

    public static RecordMode Resolve(RecordMode configured) => Resolve(configured, Environment.GetEnvironmentVariable);

    internal static RecordMode Resolve(RecordMode configured, Func<string, string?> environment) =>
        Parse(environment(EnvironmentVariable), EnvironmentVariable)
        ?? Parse(environment(PropertyVariable), "the MitmFixtureMode MSBuild property")
        ?? configured;

    private static RecordMode? Parse(string? text, string source)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        return Enum.TryParse<RecordMode>(text.Trim(), ignoreCase: true, out var mode) && Enum.IsDefined(mode)
            ? mode
            : throw new ArgumentException($"{source} is '{text}': expected Record, Replay, Auto, Passthrough or Drift");
    }
}
