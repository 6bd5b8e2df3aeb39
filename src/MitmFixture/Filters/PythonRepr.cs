using System.Collections;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace MitmFixture.Filters;

/// <summary>
/// Python's <c>str()</c> and <c>repr()</c> for metadata values, so <c>~meta "'key': 'value'"</c> finds
/// a dictionary as it does in mitmproxy, where the metadata line is <c>f"{key}: {value}"</c>.
/// </summary>
internal static class PythonRepr
{
    /// <summary><c>str(value)</c>: strings as they are, containers and the rest as their repr.</summary>
    public static void AppendStr(StringBuilder builder, object? value)
    {
        switch (value)
        {
            case string s:
                builder.Append(s);
                break;
            case JsonElement { ValueKind: JsonValueKind.String } json:
                builder.Append(json.GetString());
                break;
            default:
                AppendRepr(builder, value);
                break;
        }
    }

    /// <summary><c>repr(value)</c> for the types metadata holds: text, numbers, booleans, None, dicts and lists.</summary>
    public static void AppendRepr(StringBuilder builder, object? value)
    {
        switch (value)
        {
            case null:
                builder.Append("None");
                break;
            case string s:
                AppendQuoted(builder, s);
                break;
            case bool b:
                builder.Append(b ? "True" : "False");
                break;
            case JsonElement json:
                AppendJson(builder, json);
                break;
            case double or float:
                AppendFloat(builder, Convert.ToDouble(value, CultureInfo.InvariantCulture));
                break;
            case IFormattable formattable:
                builder.Append(formattable.ToString(null, CultureInfo.InvariantCulture));
                break;
            case IDictionary dictionary:
                builder.Append('{');
                var first = true;
                foreach (DictionaryEntry entry in dictionary)
                {
                    builder.Append(first ? "" : ", ");
                    first = false;
                    AppendRepr(builder, entry.Key);
                    builder.Append(": ");
                    AppendRepr(builder, entry.Value);
                }

                builder.Append('}');
                break;
            case IEnumerable sequence:
                AppendList(builder, sequence.Cast<object?>());
                break;
            default:
                builder.Append(value.ToString());
                break;
        }
    }

    private static void AppendJson(StringBuilder builder, JsonElement json)
    {
        switch (json.ValueKind)
        {
            case JsonValueKind.String:
                AppendQuoted(builder, json.GetString() ?? "");
                break;
            case JsonValueKind.True or JsonValueKind.False:
                builder.Append(json.GetBoolean() ? "True" : "False");
                break;
            case JsonValueKind.Null or JsonValueKind.Undefined:
                builder.Append("None");
                break;
            case JsonValueKind.Object:
                builder.Append('{');
                var first = true;
                foreach (var property in json.EnumerateObject())
                {
                    builder.Append(first ? "" : ", ");
                    first = false;
                    AppendQuoted(builder, property.Name);
                    builder.Append(": ");
                    AppendJson(builder, property.Value);
                }

                builder.Append('}');
                break;
            case JsonValueKind.Array:
                AppendList(builder, json.EnumerateArray().Select(e => (object?)e));
                break;
            default:
                builder.Append(json.GetRawText());
                break;
        }
    }

    /// <summary>Python's float repr: <c>1.0</c>, <c>inf</c>, <c>nan</c>.</summary>
    private static void AppendFloat(StringBuilder builder, double d)
    {
        if (double.IsNaN(d))
        {
            builder.Append("nan");
            return;
        }

        if (double.IsInfinity(d))
        {
            builder.Append(d > 0 ? "inf" : "-inf");
            return;
        }

        var text = d.ToString("R", CultureInfo.InvariantCulture).Replace("E", "e", StringComparison.Ordinal);
        builder.Append(text);
        if (text.AsSpan().IndexOfAny(".e") < 0)
        {
            builder.Append(".0");
        }
    }

    private static void AppendList(StringBuilder builder, IEnumerable<object?> items)
    {
        builder.Append('[');
        var first = true;
        foreach (var item in items)
        {
            builder.Append(first ? "" : ", ");
            first = false;
            AppendRepr(builder, item);
        }

        builder.Append(']');
    }

    /// <summary>Python quotes with ' unless the text holds a ' and no ".</summary>
    private static void AppendQuoted(StringBuilder builder, string s)
    {
        var quote = s.Contains('\'', StringComparison.Ordinal) && !s.Contains('"', StringComparison.Ordinal) ? '"' : '\'';
        builder.Append(quote);
        foreach (var c in s)
        {
            switch (c)
            {
                case '\\':
                    builder.Append(@"\\");
                    break;
                case '\n':
                    builder.Append(@"\n");
                    break;
                case '\r':
                    builder.Append(@"\r");
                    break;
                case '\t':
                    builder.Append(@"\t");
                    break;
                default:
                    if (c == quote)
                    {
                        builder.Append('\\');
                    }

                    builder.Append(c);
                    break;
            }
        }

        builder.Append(quote);
    }
}
