namespace MitmFixture.Cli.Commands;

/// <summary>
/// Arguments that take any words (a filter expression, cassette paths) also take a mistyped option;
/// a word starting with <c>--</c> is never a filter nor a cassette here, so it is refused as the
/// unknown option it is rather than read as one. Program.cs checks every command's arguments once,
/// before any command runs (prune would otherwise rewrite a cassette with it in its filter).
/// </summary>
internal static class StrayOptions
{
    public static void Refuse(IEnumerable<string> tokens, List<string> errors)
    {
        foreach (var token in tokens.Where(t => t.StartsWith("--", StringComparison.Ordinal)))
        {
            errors.Add($"unknown option '{token}' (a filter expression or a cassette never starts with --)");
        }
    }
}
