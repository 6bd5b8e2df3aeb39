using System.Text.RegularExpressions;
using MitmFixture.Filters;
using MitmFixture.Flows;

namespace MitmFixture.Addons.Specs;

/// <summary>
/// One <c>/filter/subject/replacement</c> option string as mitmproxy parses it (modify_body,
/// modify_headers, map_remote): the first character is the separator; with two parts the filter is
/// <c>~all</c>; a replacement starting with <c>@</c> is read from that file (<c>~</c> expanded).
/// </summary>
public sealed record ModifySpec(string Option, FlowFilter? Filter, string Subject, string Replacement)
{
    public bool Matches(Flow flow) => Filter?.Matches(flow) ?? true;

    /// <summary>Parses <paramref name="option"/>; the exception message quotes it and says what is wrong.</summary>
    public static ModifySpec Parse(string option, string optionName)
    {
        if (string.IsNullOrEmpty(option) || option.Length < 2)
        {
            throw new FormatException($"{optionName} '{option}': expected /filter/subject/replacement or /subject/replacement (any separator)");
        }

        var separator = option[0];
        if (char.IsLetterOrDigit(separator) || char.IsWhiteSpace(separator))
        {
            throw new FormatException($"{optionName} '{option}': the first character is the separator and must not be a letter, digit or space");
        }

        var parts = option[1..].Split(separator, 3);
        FlowFilter? filter = null;
        string subject;
        string replacement;
        switch (parts.Length)
        {
            case 2:
                (subject, replacement) = (parts[0], parts[1]);
                break;
            case 3:
                if (!FlowFilter.TryParse(parts[0], out filter, out var error))
                {
                    throw new FormatException($"{optionName} '{option}': invalid filter '{parts[0]}': {error.Message}");
                }

                (subject, replacement) = (parts[1], parts[2]);
                break;
            default:
                throw new FormatException($"{optionName} '{option}': expected 2 or 3 parts separated by '{separator}', got {parts.Length}");
        }

        if (subject.Length == 0)
        {
            throw new FormatException($"{optionName} '{option}': the subject (between the separators) is empty");
        }

        if (replacement.StartsWith('@'))
        {
            var path = replacement[1..];
            if (path.StartsWith('~'))
            {
                path = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile) + path[1..];
            }

            try
            {
                replacement = File.ReadAllText(path);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new FormatException($"{optionName} '{option}': cannot read replacement file '{path}': {e.Message}", e);
            }
        }

        return new ModifySpec(option, filter, subject, replacement);
    }

    /// <summary>The subject as a .NET regex (Python syntax accepted), with a timeout guard.</summary>
    public Regex SubjectRegex(string optionName)
    {
        try
        {
            return new Regex(Filters.PythonSyntax.Translate(Subject), RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
        }
        catch (ArgumentException e)
        {
            throw new FormatException($"{optionName} '{Option}': invalid regex '{Subject}': {e.Message}", e);
        }
    }

    /// <summary>Python's \1 and \g&lt;name&gt; back-references in .NET's $ syntax; literal $ escaped.</summary>
    public string DotNetReplacement =>
        Regex.Replace(Replacement.Replace("$", "$$", StringComparison.Ordinal), @"\\(\d+)|\\g<(\w+)>", m => "${" + (m.Groups[1].Success ? m.Groups[1].Value : m.Groups[2].Value) + "}");
}
