namespace MitmFixture.Filters;

/// <summary>Public access to the Python-to-.NET regex translation the filter language uses, for addons taking regexes.</summary>
internal static class PythonSyntax
{
    public static string Translate(string pattern) => PythonRegexTranslator.Translate(pattern);
}
