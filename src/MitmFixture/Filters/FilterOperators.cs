using System.Collections.Frozen;

namespace MitmFixture.Filters;

/// <summary>What follows an operator's code.</summary>
internal enum OperatorArgument
{
    None,
    Regex,
    Integer,
}

/// <summary>One row of the operator table, read off the node type's static members.</summary>
internal sealed record OperatorSpec(
    string Code,
    string Help,
    OperatorArgument Argument,
    RegexMode Mode,
    Func<FilterNode>? CreateSimple,
    Func<FilterRegex, FilterNode>? CreateRegex,
    Func<string, FilterNode>? CreateInteger)
{
    /// <summary>The syntax column of the help: <c>~h regex</c>, <c>~c int</c>, <c>~q</c>.</summary>
    public string Syntax => Argument switch
    {
        OperatorArgument.Regex => $"~{Code} regex",
        OperatorArgument.Integer => $"~{Code} int",
        _ => $"~{Code}",
    };
}

/// <summary>
/// Every operator mitmproxy's <c>flowfilter.py</c> knows (its <c>filter_unary</c>, <c>filter_rex</c> and
/// <c>filter_int</c> lists), looked up by code.
/// </summary>
internal static class FilterOperators
{
    public static readonly IReadOnlyList<OperatorSpec> All =
    [
        Simple<AssetNode>(),
        Simple<ErrorNode>(),
        Simple<HttpNode>(),
        Simple<MarkedNode>(),
        Simple<ReplayNode>(),
        Simple<ReplayRequestNode>(),
        Simple<ReplayResponseNode>(),
        Simple<RequestNode>(),
        Simple<ResponseNode>(),
        Simple<TcpNode>(),
        Simple<UdpNode>(),
        Simple<DnsNode>(),
        Simple<WebSocketNode>(),
        Simple<AllNode>(),
        Rex<BodyNode>(),
        Rex<RequestBodyNode>(),
        Rex<ResponseBodyNode>(),
        Rex<ContentTypeNode>(),
        Rex<RequestContentTypeNode>(),
        Rex<ResponseContentTypeNode>(),
        Rex<DomainNode>(),
        Rex<DestinationNode>(),
        Rex<HeaderNode>(),
        Rex<RequestHeaderNode>(),
        Rex<ResponseHeaderNode>(),
        Rex<MethodNode>(),
        Rex<SourceNode>(),
        Rex<UrlNode>(),
        Rex<MetaNode>(),
        Rex<MarkerNode>(),
        Rex<CommentNode>(),
        Integer<StatusCodeNode>(),
    ];

    public static readonly FrozenDictionary<string, OperatorSpec> ByCode =
        All.ToFrozenDictionary(spec => spec.Code, StringComparer.Ordinal);

    /// <summary>The spec a bare regex stands for: <c>~u</c>.</summary>
    public static OperatorSpec Url => ByCode[UrlNode.Code];

    private static OperatorSpec Simple<T>()
        where T : ISimpleOperator =>
        new(T.Code, T.Help, OperatorArgument.None, RegexMode.Text, () => T.Instance, null, null);

    private static OperatorSpec Rex<T>()
        where T : IRegexOperator =>
        new(T.Code, T.Help, OperatorArgument.Regex, T.Mode, null, T.Create, null);

    private static OperatorSpec Integer<T>()
        where T : IIntegerOperator =>
        new(T.Code, T.Help, OperatorArgument.Integer, RegexMode.Text, null, null, T.Create);
}
