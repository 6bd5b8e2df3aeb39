using System.Text;
using System.Text.RegularExpressions;

namespace MitmFixture.Filters;

/// <summary>
/// Parses mitmproxy's filter language (<c>flowfilter.py</c>) into <see cref="FilterNode"/>s. The grammar
/// is a PEG, as mitmproxy's pyparsing grammar is; whitespace (space, tab, CR, LF) between tokens is skipped:
/// <code>
/// filter   = sequence END
/// sequence = or { or }                  expressions side by side are ANDed, with the lowest
///                                       precedence: "~q | ~s ~c 404" is "(~q | ~s) &amp; ~c 404"
/// or       = and { "|" and }
/// and      = not { "&amp;" not }
/// not      = "!" not / primary           ! binds tightest
/// primary  = "(" sequence ")" / operator / regex
/// operator = "~" code [ argument ]      code: ASCII letters and digits naming an operator
/// argument = regex                      for the regex operators (~b ~h ~u ...)
///          / integer / quoted integer   for ~c
/// regex    = word / quoted              a bare regex means "~u regex"
/// word     = 1*( any char except whitespace ( ) ~ ' " )
/// quoted   = '"' *( "\" char / any char except " CR LF ) '"'   (or the same with ')
///            where \t \n \r \f are those characters and \c is c: "a\.b" is the regex a.b
/// integer  = 1*DIGIT
/// </code>
/// Like pyparsing, the parser backtracks: a <c>&amp;</c> or <c>|</c> without a right operand is the
/// start of a bare word instead (mitmproxy reads <c>~q &amp;</c> as <c>~q &amp; ~u "&amp;"</c>), and so is a
/// <c>!</c> with nothing to negate; inside a word, <c>&amp;</c> <c>|</c> <c>!</c> are plain characters
/// (<c>~d a.com|b.com</c> is one regex). Failures no alternative can rescue (an unknown operator, a
/// missing argument, an unclosed quote, an invalid regex) are reported at once; the others at the
/// furthest position the parse reached, as pyparsing reports them.
/// <para>
/// Where mitmproxy rejects an expression whose meaning is plain, this parser accepts it: an operator
/// may be followed directly by <c>( ) &amp; | ! ~</c> or a quote (<c>(~q)</c>, <c>~q&amp;~s</c>; pyparsing
/// wants whitespace after the code), expressions side by side are ANDed inside parentheses too, and
/// <c>~c</c> takes a quoted integer.
/// </para>
/// </summary>
internal sealed class FilterParser
{
    private const string EndOfInput = "end of input";
    private const string AnExpression = "an expression";
    private const string WordStoppers = "()~'\"";

    private readonly string _text;
    private readonly TimeSpan _matchTimeout;
    private readonly List<string> _expected = [];
    private int _pos;
    private int _failPos = -1;

    private FilterParser(string text, TimeSpan matchTimeout)
    {
        _text = text;
        _matchTimeout = matchTimeout;
    }

    /// <summary>Parses <paramref name="expression"/>; throws <see cref="FilterParseException"/> when it is not a filter.</summary>
    public static FilterNode Parse(string expression, TimeSpan matchTimeout)
    {
        if (string.IsNullOrWhiteSpace(expression))
        {
            throw FilterParseException.Empty(expression);
        }

        return new FilterParser(expression, matchTimeout).ParseFilter();
    }

    private FilterNode ParseFilter()
    {
        var node = ParseSequence(required: true);
        if (node is not null)
        {
            SkipWhitespace();
            if (_pos == _text.Length)
            {
                return node;
            }

            Expect(_pos, EndOfInput);
        }

        throw FurthestFailure();
    }

    private FilterNode? ParseSequence(bool required)
    {
        var first = ParseOr(required);
        if (first is null)
        {
            return null;
        }

        List<FilterNode>? items = null;
        while (true)
        {
            var save = _pos;
            var next = ParseOr(required: false);
            if (next is null)
            {
                _pos = save;
                break;
            }

            (items ??= [first]).Add(next);
        }

        return items is null ? first : new AndNode([.. items]);
    }

    private FilterNode? ParseOr(bool required) =>
        ParseBinary('|', required, ParseAnd, static operands => new OrNode(operands));

    private FilterNode? ParseAnd(bool required) =>
        ParseBinary('&', required, ParseNot, static operands => new AndNode(operands));

    /// <summary>
    /// <c>operand { op operand }</c>, left-associative into one list as pyparsing's infixNotation does.
    /// An operator whose right operand fails is given back, so it can start a word.
    /// </summary>
    private FilterNode? ParseBinary(char op, bool required, Func<bool, FilterNode?> operand, Func<FilterNode[], FilterNode> combine)
    {
        var first = operand(required);
        if (first is null)
        {
            return null;
        }

        List<FilterNode>? operands = null;
        while (true)
        {
            var save = _pos;
            SkipWhitespace();
            if (!At(op))
            {
                _pos = save;
                break;
            }

            _pos++;
            var next = operand(true);
            if (next is null)
            {
                _pos = save;
                break;
            }

            (operands ??= [first]).Add(next);
        }

        return operands is null ? first : combine([.. operands]);
    }

    private FilterNode? ParseNot(bool required)
    {
        SkipWhitespace();
        var start = _pos;
        if (At('!'))
        {
            _pos++;
            if (ParseNot(required: true) is { } operand)
            {
                return new NotNode(operand);
            }

            // Nothing to negate: pyparsing then reads "!" as the start of a bare word.
            _pos = start;
        }

        return ParsePrimary(required);
    }

    private FilterNode? ParsePrimary(bool required)
    {
        SkipWhitespace();
        var start = _pos;
        if (_pos >= _text.Length || _text[_pos] == ')')
        {
            if (required)
            {
                Expect(start, AnExpression);
            }

            return null;
        }

        switch (_text[_pos])
        {
            case '(':
                _pos++;
                var inner = ParseSequence(required: true);
                if (inner is null)
                {
                    return null;
                }

                SkipWhitespace();
                if (!At(')'))
                {
                    Expect(_pos, "')'");
                    return null;
                }

                _pos++;
                return inner;
            case '~':
                return ParseOperator();
            default:
                return CreateRegexNode(FilterOperators.Url, ReadRegex(), start);
        }
    }

    private FilterNode ParseOperator()
    {
        var start = _pos++;
        while (_pos < _text.Length && char.IsAsciiLetterOrDigit(_text[_pos]))
        {
            _pos++;
        }

        var code = _text[(start + 1).._pos];
        if (!FilterOperators.ByCode.TryGetValue(code, out var spec))
        {
            throw code.Length == 0
                ? Fail(start, "expected an operator name after '~'")
                : Fail(start, $"unknown operator '~{code}'");
        }

        if (spec.Argument == OperatorArgument.None)
        {
            return spec.CreateSimple!(); // Argument None comes with CreateSimple (FilterOperators.Simple).
        }

        SkipWhitespace();
        var argumentStart = _pos;
        var atArgument = _pos < _text.Length && !WordStoppers.Contains(_text[_pos], StringComparison.Ordinal);
        var atQuote = _pos < _text.Length && _text[_pos] is '"' or '\'';
        if (spec.Argument == OperatorArgument.Regex)
        {
            if (!atArgument && !atQuote)
            {
                throw Fail(argumentStart, $"expected a regex after '~{code}'", QuoteHint());
            }

            return CreateRegexNode(spec, ReadRegex(), argumentStart);
        }

        // ~c: pyparsing's Word(nums) stops at the first non-digit, so "~c 404abc" is "~c 404" and "abc".
        var digitsEnd = _pos;
        while (digitsEnd < _text.Length && char.IsAsciiDigit(_text[digitsEnd]))
        {
            digitsEnd++;
        }

        string digits;
        if (digitsEnd > _pos)
        {
            digits = _text[_pos..digitsEnd];
            _pos = digitsEnd;
        }
        else if (atQuote && ReadQuoted() is var quoted && quoted.Length > 0 && quoted.All(char.IsAsciiDigit))
        {
            digits = quoted;
        }
        else
        {
            throw Fail(argumentStart, $"expected an integer after '~{code}'");
        }

        return spec.CreateInteger!(digits); // Argument Integer comes with CreateInteger (FilterOperators.Integer).
    }

    private FilterNode CreateRegexNode(OperatorSpec spec, string source, int position)
    {
        FilterRegex regex;
        try
        {
            regex = FilterRegex.Create(source, spec.Mode, _matchTimeout);
        }
        catch (ArgumentException e)
        {
            throw new FilterParseException(_text, position, $"invalid regex {Quote(source)} for '~{spec.Code}'", Describe(e), e);
        }

        return spec.CreateRegex!(regex); // Argument Regex comes with CreateRegex (FilterOperators.Rex).
    }

    /// <summary>A word or a quoted string; the caller has checked that one starts here.</summary>
    private string ReadRegex()
    {
        if (_text[_pos] is '"' or '\'')
        {
            return ReadQuoted();
        }

        var start = _pos;
        while (_pos < _text.Length && !IsWhitespace(_text[_pos]) && !WordStoppers.Contains(_text[_pos], StringComparison.Ordinal))
        {
            _pos++;
        }

        return _text[start.._pos];
    }

    /// <summary>pyparsing's <c>QuotedString(q, esc_char="\\")</c>: one line, escapes undone.</summary>
    private string ReadQuoted()
    {
        var quote = _text[_pos];
        var start = _pos++;
        var value = new StringBuilder();
        while (_pos < _text.Length && _text[_pos] is not ('\n' or '\r'))
        {
            var c = _text[_pos];
            if (c == quote)
            {
                _pos++;
                return value.ToString();
            }

            if (c == '\\' && _pos + 1 < _text.Length && _text[_pos + 1] is not ('\n' or '\r'))
            {
                var escaped = _text[_pos + 1];
                value.Append(escaped switch { 't' => '\t', 'n' => '\n', 'r' => '\r', 'f' => '\f', _ => escaped });
                _pos += 2;
                continue;
            }

            value.Append(c);
            _pos++;
        }

        throw Fail(start, "unterminated quoted string", $"add the closing {quote}");
    }

    private string? QuoteHint() =>
        _pos < _text.Length && _text[_pos] is '(' or ')' or '~'
            ? $"put a regex that starts with '{_text[_pos]}' in quotes"
            : null;

    private void Expect(int position, string what)
    {
        if (position > _failPos)
        {
            _failPos = position;
            _expected.Clear();
        }

        if (position == _failPos && !_expected.Contains(what))
        {
            _expected.Add(what);
        }
    }

    private FilterParseException FurthestFailure()
    {
        var position = Math.Max(_failPos, 0);
        var expected = _expected.Where(e => e != EndOfInput).ToList();
        if (expected.Count > 0)
        {
            var list = expected.Count == 1 ? expected[0] : string.Join(", ", expected[..^1]) + " or " + expected[^1];
            return Fail(position, "expected " + list);
        }

        return Fail(position, position < _text.Length ? $"unexpected '{_text[position]}'" : "unexpected end of input");
    }

    private FilterParseException Fail(int position, string reason, string? hint = null) => new(_text, position, reason, hint);

    private bool At(char c) => _pos < _text.Length && _text[_pos] == c;

    private void SkipWhitespace()
    {
        while (_pos < _text.Length && IsWhitespace(_text[_pos]))
        {
            _pos++;
        }
    }

    /// <summary>pyparsing's default whitespace; other spaces (NBSP, form feed) belong to words as they do there.</summary>
    private static bool IsWhitespace(char c) => c is ' ' or '\t' or '\n' or '\r';

    private static string Quote(string source) => source.Contains('\'', StringComparison.Ordinal) ? $"\"{source}\"" : $"'{source}'";

    /// <summary>The reason from a .NET regex error, without its "Invalid pattern '…' at offset N." preamble.</summary>
    private static string Describe(ArgumentException e)
    {
        var message = e is RegexParseException ? e.Message : e.Message.Split(" (Parameter", 2)[0];
        var offset = message.IndexOf(" at offset ", StringComparison.Ordinal);
        var sentence = offset >= 0 ? message.IndexOf(". ", offset, StringComparison.Ordinal) : -1;
        var reason = (sentence >= 0 ? message[(sentence + 2)..] : message).TrimEnd('.');
        return reason.Length > 0 ? char.ToLowerInvariant(reason[0]) + reason[1..] : reason;
    }
}
