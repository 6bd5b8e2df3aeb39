using System.Globalization;
using MitmFixture.Tests.Readme;
using MitmFixture.Xunit.Session;

namespace MitmFixture.Tests.Support;

/// <summary>
/// The test assembly's entry point: xunit's own (what xunit.v3 would generate), plus roles the tests
/// start this assembly in as a child process, for code that must run with its own environment (HOME,
/// trusted roots, environment variables) without changing the environment of the tests running in
/// parallel. A role prints what the parent checks and exits 0, or prints the failure and exits 1.
/// </summary>
internal static class EntryPoint
{
    /// <summary>Runs the README's "Embedding the engine" sample as written, on the URL given.</summary>
    public const string ReadmeEmbeddingExample = "--readme-embedding-example";

    /// <summary>Prints the fixture's environment-derived defaults as <c>name=value</c> lines.</summary>
    public const string PrintFixtureDefaults = "--print-fixture-defaults";

    public static int Main(string[] args)
    {
        if (args.Length > 0 && args[0] is ReadmeEmbeddingExample or PrintFixtureDefaults)
        {
            return RunRole(args);
        }

        if (args.Any(arg => arg is "--server" or "--internal-msbuild-node"))
        {
            return global::Xunit.MicrosoftTestingPlatform.TestPlatformTestFramework.RunAsync(args, SelfRegisteredExtensions.AddSelfRegisteredExtensions).GetAwaiter().GetResult();
        }

        return global::Xunit.Runner.InProc.SystemConsole.ConsoleRunner.Run(args).GetAwaiter().GetResult();
    }

    /// <summary>The assembly to start as a child with one of the roles above.</summary>
    public static string AssemblyPath => typeof(EntryPoint).Assembly.Location;

    private static int RunRole(string[] args)
    {
        try
        {
            switch (args[0])
            {
                case ReadmeEmbeddingExample:
                    ReadmeExampleTests.EmbeddingExampleAsync(args[1]).GetAwaiter().GetResult();
                    break;
                case PrintFixtureDefaults:
                    var options = new FixtureOptions();
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"mode={ModeResolver.Resolve(options.Mode)}"));
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"accept={options.AcceptSnapshots}"));
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"acceptDrift={options.AcceptDrift}"));
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"ci={options.ContinuousIntegration}"));
                    break;
            }

            return 0;
        }
        catch (Exception e)
        {
            Console.Error.WriteLine(e);
            return 1;
        }
    }
}
