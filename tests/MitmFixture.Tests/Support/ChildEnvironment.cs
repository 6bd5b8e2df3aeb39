using System.Diagnostics;

namespace MitmFixture.Tests.Support;

/// <summary>
/// What a process a test starts inherits: its own empty home folder, and none of the variables a
/// developer's shell or CI sets that change what MitmFixture, curl or dotnet do. A test that wants
/// one of them sets it on the <see cref="ProcessStartInfo"/> after <see cref="Isolate"/>.
/// </summary>
public static class ChildEnvironment
{
    /// <summary>
    /// The fixture's overrides and CI flag (the suite runs with them set, as users' machines have them),
    /// and the proxy variables curl and .NET obey when no proxy is named.
    /// </summary>
    public static readonly IReadOnlyList<string> Removed =
    [
        "MITMFIXTURE_MODE", "MITMFIXTURE_ACCEPT", "CI",
        "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY", "http_proxy", "https_proxy", "all_proxy", "no_proxy",
        "SSL_CERT_FILE", "SSL_CERT_DIR", "CURL_CA_BUNDLE",
    ];

    /// <summary>Points HOME at <paramref name="home"/> (so ~/.mitmfixture, ~/.curlrc and the like are the test's own) and drops <see cref="Removed"/>.</summary>
    public static ProcessStartInfo Isolate(this ProcessStartInfo start, string home)
    {
        foreach (var name in Removed)
        {
            start.Environment.Remove(name);
        }

        start.Environment["HOME"] = home;
        start.Environment["USERPROFILE"] = home;
        start.Environment["DOTNET_CLI_HOME"] = home;
        start.Environment["DOTNET_NOLOGO"] = "1";
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        return start;
    }

    /// <summary>A fresh empty folder to serve as a child's home; the caller deletes it.</summary>
    public static string CreateHome() => Directory.CreateTempSubdirectory("mitmfixture-home-").FullName;

    /// <summary>Deletes a home made by <see cref="CreateHome"/>, tolerating a child still writing into it.</summary>
    public static void DeleteHome(string home)
    {
        try
        {
            Directory.Delete(home, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
