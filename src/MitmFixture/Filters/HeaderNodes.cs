using MitmFixture.Flows;
using MitmFixture.Http;

namespace MitmFixture.Filters;

/// <summary>
/// <c>~a</c>: the response is an asset (CSS, JavaScript, images, fonts), judged by its Content-Type as
/// mitmproxy's <c>FAsset.ASSET_TYPES</c> does. mitmproxy compiles those patterns without IGNORECASE;
/// media types are case-insensitive (RFC 9110 §8.3.1), so here they ignore case like every operator.
/// </summary>
internal sealed class AssetNode : FilterNode, ISimpleOperator
{
    // ASSET_TYPES are searched unanchored and "image/.*" matches wherever "image/" does, so plain
    // substrings say the same: text/javascript, application/(x-)javascript, text/css, image/.*, font/.*, application/font.*.
    private static readonly string[] AssetMarkers =
        ["text/javascript", "application/x-javascript", "application/javascript", "text/css", "image/", "font/", "application/font"];

    public static string Code => "a";

    public static string Help => "Match asset in response: CSS, JavaScript, images, fonts.";

    public static FilterNode Instance { get; } = new AssetNode();

    public override bool Matches(Flow flow)
    {
        if (flow.Response is not { } response)
        {
            return false;
        }

        foreach (var field in response.Headers)
        {
            if (!field.Name.Equals("Content-Type", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            foreach (var marker in AssetMarkers)
            {
                if (field.Value.Contains(marker, StringComparison.OrdinalIgnoreCase))
                {
                    return true;
                }
            }
        }

        return false;
    }

    public override string ToString() => "is asset";

    /// <summary>mitmproxy's <c>_check_content_type</c>: any Content-Type field whose value the regex finds.</summary>
    internal static bool ContentTypeMatches(FilterRegex regex, HttpMessage message)
    {
        foreach (var field in message.Headers)
        {
            if (field.Name.Equals("Content-Type", StringComparison.OrdinalIgnoreCase) && regex.IsMatch(field.Value))
            {
                return true;
            }
        }

        return false;
    }
}

/// <summary><c>~t rex</c>: the request's or the response's Content-Type.</summary>
internal sealed class ContentTypeNode(FilterRegex regex) : RegexNode(regex), IRegexOperator
{
    public static string Code => "t";

    public static string Help => "Content-type header";

    public static RegexMode Mode => RegexMode.Bytes;

    protected override string Subject => "content type";

    public static FilterNode Create(FilterRegex regex) => new ContentTypeNode(regex);

    public override bool Matches(Flow flow) =>
        AssetNode.ContentTypeMatches(Regex, flow.Request) ||
        (flow.Response is { } response && AssetNode.ContentTypeMatches(Regex, response));
}

/// <summary><c>~tq rex</c>: the request's Content-Type.</summary>
internal sealed class RequestContentTypeNode(FilterRegex regex) : RegexNode(regex), IRegexOperator
{
    public static string Code => "tq";

    public static string Help => "Request Content-Type header";

    public static RegexMode Mode => RegexMode.Bytes;

    protected override string Subject => "req. content type";

    public static FilterNode Create(FilterRegex regex) => new RequestContentTypeNode(regex);

    public override bool Matches(Flow flow) => AssetNode.ContentTypeMatches(Regex, flow.Request);
}

/// <summary><c>~ts rex</c>: the response's Content-Type.</summary>
internal sealed class ResponseContentTypeNode(FilterRegex regex) : RegexNode(regex), IRegexOperator
{
    public static string Code => "ts";

    public static string Help => "Response Content-Type header";

    public static RegexMode Mode => RegexMode.Bytes;

    protected override string Subject => "resp. content type";

    public static FilterNode Create(FilterRegex regex) => new ResponseContentTypeNode(regex);

    public override bool Matches(Flow flow) =>
        flow.Response is { } response && AssetNode.ContentTypeMatches(Regex, response);
}

/// <summary><c>~h rex</c>: a request or response header, searched in <c>Name: value\r\n</c> lines, multi-line.</summary>
internal sealed class HeaderNode(FilterRegex regex) : RegexNode(regex), IRegexOperator
{
    public static string Code => "h";

    public static string Help => "Header";

    public static RegexMode Mode => RegexMode.Bytes | RegexMode.Multiline;

    protected override string Subject => "header";

    public static FilterNode Create(FilterRegex regex) => new HeaderNode(regex);

    public override bool Matches(Flow flow) =>
        FlowText.SearchHeaderBlock(Regex, flow.Request.Headers) ||
        (flow.Response is { } response && FlowText.SearchHeaderBlock(Regex, response.Headers));
}

/// <summary><c>~hq rex</c>: a request header line.</summary>
internal sealed class RequestHeaderNode(FilterRegex regex) : RegexNode(regex), IRegexOperator
{
    public static string Code => "hq";

    public static string Help => "Request header";

    public static RegexMode Mode => RegexMode.Bytes | RegexMode.Multiline;

    protected override string Subject => "req. header";

    public static FilterNode Create(FilterRegex regex) => new RequestHeaderNode(regex);

    public override bool Matches(Flow flow) => FlowText.SearchHeaderBlock(Regex, flow.Request.Headers);
}

/// <summary><c>~hs rex</c>: a response header line.</summary>
internal sealed class ResponseHeaderNode(FilterRegex regex) : RegexNode(regex), IRegexOperator
{
    public static string Code => "hs";

    public static string Help => "Response header";

    public static RegexMode Mode => RegexMode.Bytes | RegexMode.Multiline;

    protected override string Subject => "resp. header";

    public static FilterNode Create(FilterRegex regex) => new ResponseHeaderNode(regex);

    public override bool Matches(Flow flow) =>
        flow.Response is { } response && FlowText.SearchHeaderBlock(Regex, response.Headers);
}
