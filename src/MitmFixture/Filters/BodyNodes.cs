using MitmFixture.Flows;
using MitmFixture.Http;

namespace MitmFixture.Filters;

/// <summary>
/// Body searches as mitmproxy's <c>FBod</c>: the decoded body (Content-Encoding undone, the raw bytes
/// when it cannot be), and each WebSocket message on its own. A streamed body (null) is skipped.
/// </summary>
internal static class BodySearch
{
    public static bool Message(FilterRegex regex, HttpMessage? message) =>
        message?.DecodedBody is { } body && regex.IsMatchBytes(body);

    public static bool WebSocket(FilterRegex regex, Flow flow, bool? fromClient)
    {
        if (flow.WebSocket is not { } webSocket)
        {
            return false;
        }

        foreach (var message in webSocket.Messages)
        {
            if ((fromClient is null || message.FromClient == fromClient) && regex.IsMatchBytes(message.Content))
            {
                return true;
            }
        }

        return false;
    }
}

/// <summary><c>~b rex</c>: the request body, the response body or a WebSocket message.</summary>
internal sealed class BodyNode(FilterRegex regex) : RegexNode(regex), IRegexOperator
{
    public static string Code => "b";

    public static string Help => "Body";

    public static RegexMode Mode => RegexMode.Bytes | RegexMode.DotAll;

    protected override string Subject => "body";

    public static FilterNode Create(FilterRegex regex) => new BodyNode(regex);

    public override bool Matches(Flow flow) =>
        BodySearch.Message(Regex, flow.Request) ||
        BodySearch.Message(Regex, flow.Response) ||
        BodySearch.WebSocket(Regex, flow, fromClient: null);
}

/// <summary><c>~bq rex</c>: the request body or a WebSocket message from the client.</summary>
internal sealed class RequestBodyNode(FilterRegex regex) : RegexNode(regex), IRegexOperator
{
    public static string Code => "bq";

    public static string Help => "Request body";

    public static RegexMode Mode => RegexMode.Bytes | RegexMode.DotAll;

    protected override string Subject => "body request";

    public static FilterNode Create(FilterRegex regex) => new RequestBodyNode(regex);

    public override bool Matches(Flow flow) =>
        BodySearch.Message(Regex, flow.Request) || BodySearch.WebSocket(Regex, flow, fromClient: true);
}

/// <summary><c>~bs rex</c>: the response body or a WebSocket message from the server.</summary>
internal sealed class ResponseBodyNode(FilterRegex regex) : RegexNode(regex), IRegexOperator
{
    public static string Code => "bs";

    public static string Help => "Response body";

    public static RegexMode Mode => RegexMode.Bytes | RegexMode.DotAll;

    protected override string Subject => "body response";

    public static FilterNode Create(FilterRegex regex) => new ResponseBodyNode(regex);

    public override bool Matches(Flow flow) =>
        BodySearch.Message(Regex, flow.Response) || BodySearch.WebSocket(Regex, flow, fromClient: false);
}
