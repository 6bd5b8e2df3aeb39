using MitmFixture.Filters;

namespace MitmFixture.Tests.Filters;

/// <summary>
/// How operators combine: precedence, negation, nesting, implicit AND, quoting and regex syntax.
/// test_and, test_or and test_not are ported from mitmproxy's test_flowfilter.py.
/// </summary>
public sealed class FlowFilterExpressionTests
{
    public static TheoryData<string, string, bool> Combinators => new()
    {
        // test_and
        { "~c 200 & ~h head", "tflow-resp", true },
        { "~c 200 & ~h nohead", "tflow-resp", false },
        { "(~c 200 & ~h head) & ~b content", "tflow-resp", true },
        { "(~c 200 & ~h head) & ~b nonexistent", "tflow-resp", false },
        { "(~c 200 & ~h nohead) & ~b content", "tflow-resp", false },
        // test_or
        { "~c 200 | ~h nohead", "tflow-resp", true },
        { "~c 201 | ~h head", "tflow-resp", true },
        { "~c 201 | ~h nohead", "tflow-resp", false },
        { "(~c 201 | ~h nohead) | ~s", "tflow-resp", true },
        // test_not: side by side is AND.
        { "! ~c 200", "tflow-resp", false },
        { "! ~c 201", "tflow-resp", true },
        { "!~c 201 !~c 202", "tflow-resp", true },
        { "!~c 201 !~c 200", "tflow-resp", false },
        { "!!~q", "tflow", true },
        { "!(~q | ~c 200)", "tflow-resp", false },
        // Implicit AND has the lowest precedence: "(~q | ~s) & ~c 404", not "~q | (~s & ~c 404)".
        { "~q | ~s ~c 404", "not-found", true },
        { "~q | ~s ~c 404", "tflow", false },
        // & binds tighter than |, ! tighter than &.
        { "~q | ~s & ~c 404", "tflow", true },
        { "!~q & ~c 200", "tflow-resp", true },
        { "~s (~c 404 | ~c 500)", "not-found", true },
        { "((~m get & (~d address | ~d nothing)) & !(~c 500))", "tflow-resp", true },
        { "~e & ~d unreachable", "errored", true },
        { "~d example.com & !~a", "get-query", true },
        // Plain meanings mitmproxy rejects: no space after an operator, side by side inside ( ).
        { "(~q)", "tflow", true },
        { "~q&~s", "tflow-resp", false },
        { "~q&~e", "tflow-err", true },
        { "(~q ~e)", "tflow-err", true },
        { "~c \"404\"", "not-found", true },
    };

    public static TheoryData<string, string, bool> QuotingAndRegexSyntax => new()
    {
        // A quoted bare regex is ~u too.
        { "\"address:22/path\"", "tflow", true },
        // pyparsing undoes escapes in quotes: "con\.ent" is the regex con.ent, "con\\.ent" is con\.ent.
        { @"~bq ""con\.ent""", "tflow", true },
        { @"~bq ""con\\.ent""", "tflow", false },
        // Unquoted words keep their backslashes.
        { @"~bq con\.ent", "tflow", false },
        { @"~bq cont\w+", "tflow", true },
        // Case never matters (mitmproxy 11.1, mitmproxy#7457).
        { "~u ADDRESS", "tflow", true },
        { "~bq CONTENT", "tflow", true },
        { "~hs HEADER-RESPONSE", "tflow-resp", true },
        // Python regex syntax: named groups and \Z (end of input).
        { "~u '(?P<host>address):22'", "tflow", true },
        { "~u '(?P<x>a)ddress(?P=x)'", "tflow", false },
        { @"~u path\Z", "tflow", true },
        { "~u 'x{,3}address'", "tflow", true },
        // Scoped flags turn case-sensitivity back on where wanted.
        { "~u '(?-i:ADDRESS)'", "tflow", false },
        { "~u '(?-i:address)'", "tflow", true },
        // Inside a word & | ! are regex characters: one regex "a|address".
        { "~u zzz|address", "tflow", true },
    };

    [Theory]
    [MemberData(nameof(Combinators))]
    [MemberData(nameof(QuotingAndRegexSyntax))]
    public void Matches_Expression_AgreesWithMitmproxy(string expression, string flow, bool expected) =>
        Assert.Equal(expected, FlowFilter.Parse(expression).Matches(FilterFlows.Get(flow)));

    [Fact]
    public void Matches_CatastrophicBacktracking_TimesOutAsNoMatch()
    {
        var filter = FlowFilter.Parse("~bq '^(a|aa)+$'", TimeSpan.FromMilliseconds(20));
        var flow = Support.TestFlows.Send("POST", "http://x.test/", new string('a', 5000) + "!");
        var before = FilterRegex.Timeouts;

        Assert.False(filter.Matches(flow));
        Assert.True(FilterRegex.Timeouts > before);
    }

    [Fact]
    public void Matches_StreamedBody_IsSkipped()
    {
        var flow = Support.TestFlows.TFlow();
        flow.Request.Body = null;

        Assert.False(FlowFilter.Parse("~bq .").Matches(flow));
        Assert.True(FlowFilter.Parse("~q").Matches(flow));
    }

    [Fact]
    public void Matches_EmptyBody_IsSearched()
    {
        // mitmproxy searches b"" too: an empty-matching regex finds an empty body.
        var flow = Support.TestFlows.Get("http://x.test/");

        Assert.True(FlowFilter.Parse("~bq ^$").Matches(flow));
    }

    [Fact]
    public void All_MatchesEveryFlow() =>
        Assert.True(FlowFilter.All.Matches(Support.TestFlows.TFlow(error: true)));
}
