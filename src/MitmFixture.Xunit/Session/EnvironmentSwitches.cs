namespace MitmFixture.Xunit.Session;

/// <summary>
/// The environment variables that switch the fixture's behaviour, read in one place: CI detection
/// (where Auto must never record) and the yes/no switches MITMFIXTURE_ACCEPT and MITMFIXTURE_DIFFTOOL.
/// A value that is neither yes nor no is an error naming the variable, never silently "no".
/// </summary>
internal static class EnvironmentSwitches
{
    public const string Accept = "MITMFIXTURE_ACCEPT";

    public const string DiffTool = "MITMFIXTURE_DIFFTOOL";

    /// <summary>
    /// Build servers that do not set CI themselves: Azure Pipelines (TF_BUILD), Jenkins (JENKINS_URL),
    /// TeamCity (TEAMCITY_VERSION), AWS CodeBuild (CODEBUILD_BUILD_ID). GitHub Actions, GitLab, CircleCI,
    /// Travis, AppVeyor, Bitbucket and Buildkite set CI.
    /// </summary>
    private static readonly string[] BuildServerVariables = ["TF_BUILD", "JENKINS_URL", "TEAMCITY_VERSION", "CODEBUILD_BUILD_ID"];

    /// <summary>
    /// The variable that says this is a CI run, or null: CI set to anything but false or 0 (build servers
    /// write true, True, 1, or their own name), else a build server's own variable. An explicit CI=false
    /// (or 0) says it is not, whatever else is set.
    /// </summary>
    public static string? ContinuousIntegration(Func<string, string?> environment)
    {
        var ci = environment("CI")?.Trim();
        if (!string.IsNullOrEmpty(ci))
        {
            return IsNo(ci) ? null : $"CI={ci}";
        }

        return BuildServerVariables.FirstOrDefault(name => !string.IsNullOrEmpty(environment(name)));
    }

    /// <summary>A yes/no variable: unset or empty is no; 1/true is yes, 0/false is no (any case); anything else is refused.</summary>
    public static bool IsOn(string name, Func<string, string?> environment)
    {
        var value = environment(name)?.Trim();
        if (string.IsNullOrEmpty(value) || IsNo(value))
        {
            return false;
        }

        return value == "1" || value.Equals("true", StringComparison.OrdinalIgnoreCase)
            ? true
            : throw new ArgumentException($"{name} is '{value}': expected 1 or true to turn it on, 0, false or nothing to leave it off");
    }

    private static bool IsNo(string value) => value == "0" || value.Equals("false", StringComparison.OrdinalIgnoreCase);
}
