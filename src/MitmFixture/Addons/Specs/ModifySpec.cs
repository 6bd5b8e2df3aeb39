using System.Text.RegularExpressions;
using MitmFixture.Filters;
using MitmFixture.Flows;

namespace MitmFixture.Addons.Specs;

/// <summary>
/// One <c>/filter/subject/replacement</c> option string as mitmproxy parses it (modify_body,
/// modify_headers, map_remote): the first character is the separator; with two parts the filter is
/// <c>~all</c>; a replacement starting with <c>@</c> is read from that file (<c>~</c> expanded).
/// A UI shows the three parts as <see cref="Filter"/>'s <see cref="FlowFilter.Expression"/> (null:
/// every flow), <see cref="Subject"/> and <see cref="ReplacementSource"/>, and builds a spec back
/// from them with <see cref="Create"/>.
/// </summary>
public sealed record ModifySpec(string Option, FlowFilter? Filter, string Subject, string Replacement)
{
    // Tried in order by Create for a separator that occurs in none of the parts.
    private const string Separators = "/|:#!;,%^=@`'\"*+&<>?$-_.";

    /// <summary>The replacement as written: <c>@path</c> for one read from a file, else the same as <see cref="Replacement"/>.</summary>
    public string ReplacementSource { get; init; } = Replacement;

    /// <summary>True when the spec's filter matches <paramref name="flow"/> (a spec without a filter matches every flow).</summary>
    public bool Matches(Flow flow) => Filter?.Matches(flow) ?? true;

    /// <summary>Parses <paramref name="option"/>; the exception message quotes it and says what is wrong.</summary>
    /// <exception cref="FormatException">The option is malformed, its filter invalid, or its replacement file unreadable.</exception>
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
        return parts.Length switch
        {
            2 => Build(option, null, parts[0], parts[1], optionName),
            3 => Build(option, parts[0], parts[1], parts[2], optionName),
            _ => throw new FormatException($"{optionName} '{option}': expected 2 or 3 parts separated by '{separator}', got {parts.Length}"),
        };
    }

    /// <summary>
    /// Builds a spec from its three parts (a console's grid row), validated as <see cref="Parse"/>
    /// validates; a null or blank <paramref name="filter"/> means every flow. <see cref="Option"/> is
    /// the equivalent option string, with a separator that occurs in none of the parts.
    /// </summary>
    /// <exception cref="FormatException">The filter is invalid, the subject empty, the replacement file unreadable, or every separator occurs in the parts.</exception>
    public static ModifySpec Create(string? filter, string subject, string replacement, string optionName)
    {
        ArgumentNullException.ThrowIfNull(subject);
        ArgumentNullException.ThrowIfNull(replacement);
        filter = string.IsNullOrWhiteSpace(filter) ? null : filter;
        string[] parts = filter is null ? [subject, replacement] : [filter, subject, replacement];
        var separator = Separators.FirstOrDefault(c => !parts.Any(p => p.Contains(c, StringComparison.Ordinal)));
        if (separator == default)
        {
            throw new FormatException($"{optionName}: no separator character is free: each of {Separators} occurs in the filter, subject or replacement");
        }

        var option = separator + string.Join(separator, parts);
        return Build(option, filter, subject, replacement, optionName);
    }

    private static ModifySpec Build(string option, string? filterText, string subject, string replacementSource, string optionName)
    {
        FlowFilter? filter = null;
        if (filterText is not null && !FlowFilter.TryParse(filterText, out filter, out var error))
        {
            throw new FormatException($"{optionName} '{option}': invalid filter '{filterText}': {error.Message}");
        }

        if (subject.Length == 0)
        {
            throw new FormatException($"{optionName} '{option}': the subject (between the separators) is empty");
        }

        var replacement = replacementSource;
        if (replacementSource.StartsWith('@'))
        {
            var path = replacementSource[1..];
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

        return new ModifySpec(option, filter, subject, replacement) { ReplacementSource = replacementSource };
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
