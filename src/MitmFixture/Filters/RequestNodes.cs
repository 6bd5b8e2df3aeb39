using System.Globalization;
using MitmFixture.Flows;

namespace MitmFixture.Filters;

/// <summary><c>~m rex</c>: the request method.</summary>
internal sealed class MethodNode(FilterRegex regex) : RegexNode(regex), IRegexOperator
{
    public static string Code => "m";

    public static string Help => "Method";

    public static RegexMode Mode => RegexMode.Bytes;

    protected override string Subject => "method";

    public static FilterNode Create(FilterRegex regex) => new MethodNode(regex);

    public override bool Matches(Flow flow) => Regex.IsMatch(flow.Request.Method);
}

/// <summary><c>~d rex</c>: the request's target host or its Host header's host (mitmproxy#2150).</summary>
internal sealed class DomainNode(FilterRegex regex) : RegexNode(regex), IRegexOperator
{
    public static string Code => "d";

    public static string Help => "Domain";

    public static RegexMode Mode => RegexMode.Text;

    protected override string Subject => "domain";

    public static FilterNode Create(FilterRegex regex) => new DomainNode(regex);

    public override bool Matches(Flow flow)
    {
        var host = FlowText.Display(flow.Request.Host);
        if (Regex.IsMatch(host))
        {
            return true;
        }

        var prettyHost = FlowText.PrettyHost(flow.Request);
        return !string.Equals(prettyHost, host, StringComparison.Ordinal) && Regex.IsMatch(prettyHost);
    }
}

/// <summary><c>~u rex</c>, or a bare regex: the request URL as mitmproxy's <c>pretty_url</c> (Host header's host).</summary>
internal sealed class UrlNode(FilterRegex regex) : RegexNode(regex), IRegexOperator
{
    public static string Code => "u";

    public static string Help => "URL";

    public static RegexMode Mode => RegexMode.Text;

    protected override string Subject => "url";

    public static FilterNode Create(FilterRegex regex) => new UrlNode(regex);

    public override bool Matches(Flow flow) => Regex.IsMatch(FlowText.PrettyUrl(flow.Request));
}

/// <summary><c>~c int</c>: the response status code.</summary>
internal sealed class StatusCodeNode : FilterNode, IIntegerOperator
{
    private readonly int? _code;
    private readonly string _digits;

    private StatusCodeNode(string digits)
    {
        _digits = digits;
        // mitmproxy takes any int(); one past int range can never equal a status code, so it matches nothing.
        _code = int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var code) ? code : null;
    }

    public static string Code => "c";

    public static string Help => "HTTP response code";

    public static FilterNode Create(string digits) => new StatusCodeNode(digits);

    public override bool Matches(Flow flow) => flow.Response is { } response && response.StatusCode == _code;

    public override string ToString() => $"response code is {_code?.ToString(CultureInfo.InvariantCulture) ?? _digits}";
}
