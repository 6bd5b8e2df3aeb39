using System.Globalization;

namespace MitmFixture.Filters;

/// <summary>
/// A filter expression that does not parse. The message names what was wrong and where, e.g.
/// <c>filter: expected ')' at column 12</c> for <c>~q &amp; (~u foo</c>.
/// </summary>
public sealed class FilterParseException : FormatException
{
    /// <summary>Creates the exception with a default message.</summary>
    public FilterParseException()
        : this("", 0, "invalid expression")
    {
    }

    /// <summary>Creates the exception with <paramref name="message"/>.</summary>
    public FilterParseException(string message)
        : this("", 0, message)
    {
    }

    /// <summary>Creates the exception with <paramref name="message"/> and the <paramref name="innerException"/> that caused it.</summary>
    public FilterParseException(string message, Exception innerException)
        : base(message, innerException)
    {
        Expression = "";
        Reason = message;
    }

    internal FilterParseException(string expression, int position, string reason, string? hint = null, Exception? innerException = null)
        : base(Format(position, reason, hint), innerException)
    {
        Expression = expression;
        Position = Math.Max(position, 0);
        Reason = reason;
    }

    /// <summary>The expression as given.</summary>
    public string Expression { get; }

    /// <summary>
    /// Where parsing failed, counted in characters from the start of <see cref="Expression"/> (0 is the
    /// first character, <c>Expression.Length</c> the end): the column the message reports, and
    /// pyparsing's <c>at char N</c> for the same error in mitmproxy.
    /// </summary>
    public int Position { get; }

    /// <summary>What was wrong, without the position, e.g. <c>expected ')'</c>.</summary>
    public string Reason { get; }

    /// <summary>Nothing to parse: mitmproxy's "Empty filter expression"; whitespace counts as empty.</summary>
    internal static FilterParseException Empty(string? expression) => new(expression ?? "", -1, "empty expression");

    private static string Format(int position, string reason, string? hint) =>
        position < 0
            ? $"filter: {reason}"
            : $"filter: {reason} at column {position.ToString(CultureInfo.InvariantCulture)}{(hint is null ? "" : "; " + hint)}";
}
