using MitmFixture.Filters;

namespace MitmFixture.Tests.Filters;

/// <summary>
/// What an expression parses to, read through the filter's ToString (mitmproxy's str(filter), from
/// test_flowfilter.py test_str_implementations), and the parse errors with their columns.
/// </summary>
public sealed class FilterParserTests
{
    public static TheoryData<string, string> Descriptions => new()
    {
        // test_str_implementations (every operator ignores case here, so every regex shows "i").
        { "~a", "is asset" },
        { "~marked", "is marked" },
        { "~http", "is an HTTP Flow" },
        { "~websocket", "is a Websocket Flow" },
        { "~tcp", "is a TCP Flow" },
        { "~udp", "is a UDP Flow" },
        { "~dns", "is a DNS Flow" },
        { "~all", "all flows" },
        { "~q", "has no response" },
        { "~s", "has response" },
        { "~e", "has error" },
        { "~t content", "content type matches /content/i" },
        { "~tq content", "req. content type matches /content/i" },
        { "~ts content", "resp. content type matches /content/i" },
        { "~h rex", "header matches /rex/im" },
        { "~hq rex", "req. header matches /rex/im" },
        { "~hs rex", "resp. header matches /rex/im" },
        { "~b rex", "body matches /rex/is" },
        { "~bq rex", "body request matches /rex/is" },
        { "~bs rex", "body response matches /rex/is" },
        { "~m get", "method matches /get/i" },
        { "~d example.com", "domain matches /example.com/i" },
        { "~u foo", "url matches /foo/i" },
        { "~src 127.0.0.1", "source address matches /127.0.0.1/i" },
        { "~dst example.com:443", "destination address matches /example.com:443/i" },
        { "~replay", "flow has been replayed" },
        { "~replayq", "request has been replayed" },
        { "~replays", "response has been replayed" },
        { "~meta foo", "flow metadata matches /foo/im" },
        { "~marker red", "marker matches /red/i" },
        { "~comment note", "comment matches /note/im" },
        { "~c 404", "response code is 404" },
        { "(~u foobar & ~h voing)", "url matches /foobar/i and header matches /voing/im" },
        { "!~h test", "not header matches /test/im" },
        { "~u foo & ~c 200", "url matches /foo/i and response code is 200" },
        { "~u foo | ~c 200", "url matches /foo/i or response code is 200" },
        { "!(~u foo | ~c 200)", "not (url matches /foo/i or response code is 200)" },
        // Precedence: implicit AND lowest, then |, then &, then !.
        { "~q | ~s ~c 404", "(has no response or has response) and response code is 404" },
        { "~q | ~s & ~c 404", "has no response or (has response and response code is 404)" },
        { "~q & ~s & ~e", "has no response and has response and has error" },
        { "~q | ~s | ~e", "has no response or has response or has error" },
        { "!!~q", "not not has no response" },
        { "!~q & ~s", "not has no response and has response" },
        // test_simple, test_naked_url, test_quoting, test_non_ascii
        { "~q ~c 10", "has no response and response code is 10" },
        { "foobar ~h rex", "url matches /foobar/i and header matches /rex/im" },
        { "~u 'foo ~u bar' ~u voing", "url matches /foo ~u bar/i and url matches /voing/i" },
        { @"~u 'foobar\""\''", "url matches /foobar\"'/i" },
        { @"~u ""foo \'bar""", "url matches /foo 'bar/i" },
        { "~bq 'a\\tb'", "body request matches /a\tb/is" },
        { "~s шгн", "has response and url matches /шгн/i" },
        { "~comment .", "comment matches /./im" },
        // pyparsing's backtracking: a trailing & or | or a lone ! is a bare word, as in mitmproxy.
        { "~q &", "has no response and url matches /&/i" },
        { "~q |", "has no response and url matches /|/i" },
        { "!", "url matches /!/i" },
        { "~u foo&", "url matches /foo&/i" },
        { "~d a.com|b.com", "domain matches /a.com|b.com/i" },
        // Word(nums) stops at the first non-digit.
        { "~c 404abc", "response code is 404 and url matches /abc/i" },
        { "~c 99999999999", "response code is 99999999999" },
        // Accepted although mitmproxy wants whitespace after the code.
        { "(~q)", "has no response" },
        { "~q&~s", "has no response and has response" },
        { "~h\"x y\"", "header matches /x y/im" },
        { "~q~s", "has no response and has response" },
        { "\t~q\r\n", "has no response" },
        { "~h    rex", "header matches /rex/im" },
    };

    public static TheoryData<string, string> Errors => new()
    {
        // The issue's example: the column counts the characters before the error.
        { "~q & (~u foo", "filter: expected ')' at column 12" },
        { "(~q", "filter: expected ')' at column 3" },
        { "()", "filter: expected an expression at column 1" },
        { "~q & (", "filter: expected an expression at column 6" },
        { "~q | )", "filter: expected an expression at column 5" },
        { "~q )", "filter: unexpected ')' at column 3" },
        { ")", "filter: expected an expression at column 0" },
        // test_parse_err
        { "", "filter: empty expression" },
        { "   ", "filter: empty expression" },
        { "~b", "filter: expected a regex after '~b' at column 2" },
        { "~h (foo)", "filter: expected a regex after '~h' at column 3; put a regex that starts with '(' in quotes" },
        // mitmproxy#3689: a regex starting with "(" must be quoted.
        { "~bq (?i)user", "filter: expected a regex after '~bq' at column 4; put a regex that starts with '(' in quotes" },
        { "~c", "filter: expected an integer after '~c' at column 2" },
        { "~c abc", "filter: expected an integer after '~c' at column 3" },
        { "~c -1", "filter: expected an integer after '~c' at column 3" },
        { "~c 'x'", "filter: expected an integer after '~c' at column 3" },
        { "~zz", "filter: unknown operator '~zz' at column 0" },
        { "~q ~foo", "filter: unknown operator '~foo' at column 3" },
        { "~qfoo", "filter: unknown operator '~qfoo' at column 0" },
        { "~Q", "filter: unknown operator '~Q' at column 0" },
        { "foo~bar", "filter: unknown operator '~bar' at column 3" },
        { "~", "filter: expected an operator name after '~' at column 0" },
        { "~u 'foo", "filter: unterminated quoted string at column 3; add the closing '" },
        { "~u \"a\nb\"", "filter: unterminated quoted string at column 3; add the closing \"" },
    };

    [Theory]
    [MemberData(nameof(Descriptions))]
    public void Parse_Expression_ReadsAsMitmproxysStr(string expression, string expected) =>
        Assert.Equal(expected, FlowFilter.Parse(expression).ToString());

    [Theory]
    [MemberData(nameof(Errors))]
    public void Parse_Invalid_ThrowsWithColumn(string expression, string message)
    {
        var error = Assert.Throws<FilterParseException>(() => FlowFilter.Parse(expression));

        Assert.Equal(message, error.Message);
        Assert.Equal(expression, error.Expression);
    }

    [Theory]
    [InlineData("~h [", 3, "~h")]
    [InlineData("[", 0, "~u")]
    [InlineData("~u 'a)'", 3, "~u")]
    [InlineData("~b a**", 3, "~b")]
    public void Parse_InvalidRegex_NamesRegexOperatorAndColumn(string expression, int column, string op)
    {
        var error = Assert.Throws<FilterParseException>(() => FlowFilter.Parse(expression));

        Assert.Equal(column, error.Position);
        Assert.StartsWith("invalid regex", error.Reason, StringComparison.Ordinal);
        Assert.Contains($"for '{op}' at column {column}; ", error.Message, StringComparison.Ordinal);
        Assert.IsAssignableFrom<ArgumentException>(error.InnerException);
    }

    [Fact]
    public void Parse_Quoting_UnescapesLikePyparsing()
    {
        // test_quoting: the regex source after unquoting.
        var filter = FlowFilter.Parse(@"~u 'foobar\""\''");

        var url = Assert.IsType<UrlNode>(filter.Root);
        Assert.Equal("foobar\"'", url.Regex.Source);
    }

    [Fact]
    public void Parse_KeepsExpression() =>
        Assert.Equal("~q  |  ~s", FlowFilter.Parse("~q  |  ~s").Expression);

    [Fact]
    public void Parse_SideBySide_IsOneAndList()
    {
        // test_simple: len(parse("~q ~c 10").lst) == 2
        var and = Assert.IsType<AndNode>(FlowFilter.Parse("~q ~c 10").Root);
        Assert.Equal(2, and.Operands.Count);
    }

    [Fact]
    public void TryParse_Valid_ReturnsFilter()
    {
        Assert.True(FlowFilter.TryParse("~q", out var filter));
        Assert.Equal("has no response", filter.ToString());
    }

    [Theory]
    [InlineData(null, 0)]
    [InlineData("", 0)]
    [InlineData("~b", 2)]
    [InlineData("~q & (~u foo", 12)]
    public void TryParse_Invalid_ReturnsError(string? expression, int position)
    {
        Assert.False(FlowFilter.TryParse(expression, out var filter, out var error));
        Assert.Null(filter);
        Assert.Equal(position, error.Position);
        Assert.False(FlowFilter.TryParse(expression, out _));
    }

    [Fact]
    public void Help_ListsEveryOperatorSortedThenCombinators()
    {
        var help = FlowFilter.Help;
        var syntax = help.Select(h => h.Syntax).ToList();

        Assert.Equal(32 + 4, help.Count);
        Assert.Equal(["!", "&", "|", "(...)"], syntax[^4..]);
        Assert.Equal(syntax[..^4].Order(StringComparer.Ordinal), syntax[..^4]);
        Assert.Contains(new FilterHelpEntry("~h regex", "Header"), help);
        Assert.Contains(new FilterHelpEntry("~c int", "HTTP response code"), help);
        Assert.Contains(new FilterHelpEntry("~q", "Match request with no response"), help);
    }

    [Fact]
    public void Help_EveryOperatorParses()
    {
        foreach (var entry in FlowFilter.Help.Where(h => h.Syntax.StartsWith('~')))
        {
            var expression = entry.Syntax.Replace(" regex", " x", StringComparison.Ordinal).Replace(" int", " 1", StringComparison.Ordinal);
            Assert.True(FlowFilter.TryParse(expression, out _), expression);
        }
    }
}
