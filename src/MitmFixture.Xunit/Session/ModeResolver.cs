using System.Reflection;

namespace MitmFixture.Xunit.Session;

/// <summary>
/// The mode in force: the <c>MITMFIXTURE_MODE</c> environment variable, else the
/// <c>MitmFixtureMode</c> MSBuild property baked into the test assembly, else the fixture's option.
/// </summary>
public static class ModeResolver
{
    public const string EnvironmentVariable = "MITMFIXTURE_MODE";

    public static RecordMode Resolve(RecordMode configured, Assembly? testAssembly)
    {
        if (Parse(Environment.GetEnvironmentVariable(EnvironmentVariable), EnvironmentVariable) is { } fromEnvironment)
        {
            return fromEnvironment;
        }

        var fromBuild = testAssembly?.GetCustomAttributes<AssemblyMetadataAttribute>().FirstOrDefault(a => a.Key == "MitmFixtureMode")?.Value;
        return Parse(fromBuild, "the MitmFixtureMode MSBuild property") ?? configured;
    }

    /// <summary>True on CI (the conventional CI=true), where Auto must never record.</summary>
    public static bool IsContinuousIntegration =>
        string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

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
