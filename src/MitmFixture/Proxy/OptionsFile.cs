using System.Text;
using System.Text.Json;
using MitmFixture.Cassettes;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.RepresentationModel;

namespace MitmFixture.Proxy;

/// <summary>
/// One key of an options file, with its value(s) and the line it is on. <see cref="Values"/> is null
/// for a null value (YAML <c>key:</c>, <c>~</c> or <c>null</c>; JSON <c>null</c>), which sets the
/// option back as <c>--set NAME</c> alone does; <see cref="Problem"/> says what is wrong with a value
/// of the wrong shape, reported in line order with the others when the file is applied.
/// </summary>
internal sealed record OptionAssignment(string Key, IReadOnlyList<string>? Values, bool IsList, int Line)
{
    public string? Problem { get; init; }
}

/// <summary>
/// Options files: a JSON object or a YAML mapping of mitmproxy option names, as mitmproxy's
/// <c>config.yaml</c> (read from the conf dir) and <c>--options FILE</c> (<c>.yaml</c>/<c>.yml</c> as
/// YAML, anything else as JSON with comments and trailing commas allowed). Every key goes through
/// <see cref="OptionRegistry"/>; errors name the file, the line and the key. The one reader of the
/// CLI (<c>--options</c>, config.yaml) and the fixture (<c>FixtureOptions.WithOptionsFile</c>).
/// </summary>
public static class OptionsFile
{
    /// <summary>
    /// Reads the options file at <paramref name="path"/> and applies its entries in file order onto
    /// <paramref name="configuration"/>, as <c>mitmfixture --options FILE</c> does: a YAML mapping for
    /// <c>.yaml</c>/<c>.yml</c>, a JSON object (comments and trailing commas allowed) for anything else,
    /// keyed by mitmproxy option names; a null value sets an option back. A relative path resolves
    /// against the current directory. Every problem is added to <paramref name="errors"/> as
    /// <c>FILE:LINE: "key": why</c>, FILE the full path, in line order; the entries that were good are
    /// still applied, so a caller refuses the result when any error was added.
    /// </summary>
    /// <param name="configuration">The configuration the file's entries are applied onto.</param>
    /// <param name="path">The file; relative to the current directory unless rooted.</param>
    /// <param name="errors">Where each problem is added.</param>
    /// <param name="refuse">
    /// For an option the caller decides itself, why it may not be set from the file (the whole reason,
    /// reported after <c>FILE:LINE: "key": </c>); null to allow it. Default: every option is allowed.
    /// </param>
    /// <returns>The configuration with the file's entries applied.</returns>
    public static ProxyConfiguration ApplyFile(ProxyConfiguration configuration, string path, ICollection<string> errors, Func<OptionDefinition, string?>? refuse = null)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentNullException.ThrowIfNull(errors);
        var fullPath = Path.GetFullPath(path);
        var found = new List<string>();
        configuration = Apply(configuration, Read(fullPath, fullPath, found), fullPath, found, refuse);
        foreach (var error in found)
        {
            errors.Add(error);
        }

        return configuration;
    }

    internal static List<OptionAssignment> Read(string path, string label, List<string> errors)
    {
        string text;
        try
        {
            // Not File.ReadAllText: a pipe would block it and /dev/zero fill memory. The byte order mark still picks the encoding.
            using var reader = new StreamReader(new MemoryStream(InputFile.ReadAllBytes(path, allowEmpty: true)), Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
            text = reader.ReadToEnd();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            errors.Add($"{label}: cannot read it: {e.Message}");
            return [];
        }

        var yaml = path.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".yml", StringComparison.OrdinalIgnoreCase);
        return yaml ? ReadYaml(text, label, errors) : ReadJson(text, label, errors);
    }

    /// <summary>
    /// What is wrong with the YAML's shape, and where, found with the event parser (a loop, not
    /// recursion) before YamlStream builds the nodes: nesting deeper than <see cref="MaxYamlDepth"/>
    /// (thousands of '[' overflowed its stack, a crash no handler can catch), or a second document
    /// (YamlStream reads it, and its keys were dropped unread when only the first was taken).
    /// </summary>
    private static (Mark At, string Problem)? ShapeProblem(string text)
    {
        var parser = new Parser(new StringReader(text));
        var depth = 0;
        var documents = 0;
        while (parser.MoveNext())
        {
            switch (parser.Current)
            {
                case DocumentStart when ++documents > 1:
                    return (parser.Current.Start, "one YAML document expected; a second one starts here");
                case MappingStart or SequenceStart when ++depth > MaxYamlDepth:
                    return (parser.Current.Start, $"expected a YAML mapping of option names: nested deeper than {MaxYamlDepth} levels");
                case MappingEnd or SequenceEnd:
                    depth--;
                    break;
            }
        }

        return null;
    }

    /// <summary>
    /// Applies the assignments in file order; a bad key or value adds <c>label:line: "key": why</c>, and
    /// so does an option <paramref name="refuse"/> gives a reason for (the fixture's own options).
    /// </summary>
    internal static ProxyConfiguration Apply(ProxyConfiguration configuration, IEnumerable<OptionAssignment> assignments, string label, List<string> errors, Func<OptionDefinition, string?>? refuse = null)
    {
        foreach (var assignment in assignments)
        {
            var where = $"{label}:{assignment.Line}: \"{assignment.Key}\"";
            if (OptionRegistry.Find(assignment.Key) is not { } option)
            {
                errors.Add($"{where}: unknown option; known: {OptionRegistry.KnownNames}");
                continue;
            }

            if (refuse?.Invoke(option) is { } refused)
            {
                errors.Add($"{where}: {refused}");
                continue;
            }

            if (assignment.Problem is { } problem)
            {
                errors.Add($"{where}: {problem}");
                continue;
            }

            if (assignment.Values is null)
            {
                // A null: a list emptied, an optional value unset, a boolean back to its default, as --set NAME
                // alone does (and mitmproxy's None); an option that always needs a value says so.
                try
                {
                    configuration = option.Replace(configuration, []);
                }
                catch (FormatException e)
                {
                    errors.Add($"{where}: {e.Message}");
                }

                continue;
            }

            if (assignment.IsList && option.Type != OptionType.List)
            {
                errors.Add($"{where}: expected {option.Expected}, not a list");
                continue;
            }

            var rejected = new List<string>();
            configuration = option.ApplyAll(configuration, assignment.Values, rejected); // a list's values at once: one by one was quadratic
            errors.AddRange(rejected.Select(error => $"{where}: {error}"));
        }

        return configuration;
    }

    private static List<OptionAssignment> ReadJson(string text, string label, List<string> errors)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return []; // an empty file sets nothing, as an empty YAML one does
        }

        var bytes = Encoding.UTF8.GetBytes(text);
        var reader = new Utf8JsonReader(bytes, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        var assignments = new List<OptionAssignment>();
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                errors.Add($"{label}: expected a JSON object of option names");
                return [];
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var key = reader.GetString()!; // a property name token always has text
                var line = LineAt(bytes, reader.TokenStartIndex);
                if (!seen.TryAdd(key, line))
                {
                    // As the YAML reader refuses one: which of the two a reader would take is a guess.
                    errors.Add($"{label}:{line}: \"{key}\": given twice (first on line {seen[key]})");
                }

                reader.Read();
                if (reader.TokenType == JsonTokenType.Null)
                {
                    assignments.Add(new OptionAssignment(key, null, false, line));
                }
                else if (JsonValues(ref reader) is { } values)
                {
                    assignments.Add(new OptionAssignment(key, values, reader.TokenType == JsonTokenType.EndArray, line));
                }
                else
                {
                    assignments.Add(new OptionAssignment(key, [], false, line) { Problem = ExpectedValue });
                }
            }

            // One object: what follows it (a second object, a stray word) was dropped unread, where the
            // YAML reader refuses a second document. Reading on past the object throws, naming its line.
            if (reader.Read())
            {
                errors.Add($"{label}:{LineAt(bytes, reader.TokenStartIndex)}: expected one JSON object of option names; more follows it here");
                return [];
            }

            return assignments;
        }
        catch (JsonException e)
        {
            errors.Add($"{label}:{(e.LineNumber ?? 0) + 1}: expected a JSON object of option names: {e.Message.Split(" LineNumber:")[0].ReplaceLineEndings(" ")}"); // one line, whatever text the reader quotes
            return [];
        }
    }

    /// <summary>The value's text (a list for an array), or null for anything else; leaves the reader on the value's last token.</summary>
    private static List<string>? JsonValues(ref Utf8JsonReader reader)
    {
        if (JsonScalar(ref reader) is { } scalar)
        {
            return [scalar];
        }

        if (reader.TokenType != JsonTokenType.StartArray)
        {
            reader.Skip(); // an object or null: skipped whole, so the next key is read
            return null;
        }

        var values = new List<string>();
        var valid = true;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (JsonScalar(ref reader) is { } item)
            {
                values.Add(item);
            }
            else
            {
                valid = false;
                reader.Skip();
            }
        }

        return valid ? values : null;
    }

    private static string? JsonScalar(ref Utf8JsonReader reader) => reader.TokenType switch
    {
        JsonTokenType.String => reader.GetString(),
        JsonTokenType.True => "true",
        JsonTokenType.False => "false",
        JsonTokenType.Number => Encoding.UTF8.GetString(reader.ValueSpan),
        _ => null,
    };

    private static int LineAt(byte[] bytes, long index) => 1 + bytes.AsSpan(0, (int)index).Count((byte)'\n');

    /// <summary>As deep as the JSON reader goes: an options file has two levels, and YamlStream builds its nodes recursively.</summary>
    private const int MaxYamlDepth = 64;

    private static List<OptionAssignment> ReadYaml(string text, string label, List<string> errors)
    {
        var stream = new YamlStream();
        try
        {
            if (ShapeProblem(text) is var (at, problem))
            {
                errors.Add($"{label}:{at.Line}: {problem}");
                return [];
            }

            stream.Load(new StringReader(text));
        }
        catch (YamlException e)
        {
            errors.Add($"{label}:{e.Start.Line}: expected a YAML mapping of option names: {e.Message}");
            return [];
        }

        if (stream.Documents.Count == 0)
        {
            return []; // an empty config.yaml sets nothing, as in mitmproxy
        }

        if (stream.Documents[0].RootNode is not YamlMappingNode mapping)
        {
            errors.Add($"{label}:{stream.Documents[0].RootNode.Start.Line}: expected a YAML mapping of option names");
            return [];
        }

        var assignments = new List<OptionAssignment>();
        foreach (var (keyNode, valueNode) in mapping.Children)
        {
            var line = (int)keyNode.Start.Line;
            var key = (keyNode as YamlScalarNode)?.Value ?? "";
            assignments.Add(valueNode switch
            {
                YamlScalarNode scalar when IsNull(scalar) => new OptionAssignment(key, null, false, line),
                YamlScalarNode scalar => new OptionAssignment(key, [scalar.Value ?? ""], false, line),
                YamlSequenceNode sequence when sequence.Children.All(c => c is YamlScalarNode item && !IsNull(item)) =>
                    new OptionAssignment(key, [.. sequence.Children.Select(c => ((YamlScalarNode)c).Value ?? "")], true, line),
                _ => new OptionAssignment(key, [], false, line) { Problem = ExpectedValue },
            });
        }

        return assignments;
    }

    private const string ExpectedValue = "expected a string, a number, true/false, a list of strings or null";

    /// <summary>
    /// YAML's null (the core schema: nothing, <c>~</c>, <c>null</c>, <c>Null</c>, <c>NULL</c>, unquoted).
    /// YamlStream does not resolve tags, so <c>stickyauth: null</c> was the filter "null" and
    /// <c>listen_host: ~</c> the host "~"; quoted, <c>'null'</c> is the text.
    /// </summary>
    private static bool IsNull(YamlScalarNode scalar) =>
        scalar.Style is ScalarStyle.Plain or ScalarStyle.Any && scalar.Value is null or "" or "~" or "null" or "Null" or "NULL";
}
