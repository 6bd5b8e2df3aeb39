using MitmFixture.Addons.Specs;
using MitmFixture.Flows;
using MitmFixture.Http;

namespace MitmFixture.Addons;

/// <summary>
/// <c>modify_headers</c> (alias <c>setheaders</c>), <c>/filter/name/value</c>: matching requests and
/// responses get the header replaced (earlier values removed); an empty value removes it.
/// </summary>
public sealed class ModifyHeadersAddon(IReadOnlyList<ModifySpec> specs) : ProxyAddon
{
    /// <summary>
    /// A <c>modify_headers</c> spec whose name is a header name (an RFC 9110 token), as mitmproxy
    /// refuses others: "bad name" would be written into a head as a broken line.
    /// </summary>
    /// <exception cref="FormatException">The spec is malformed or its name is no token; the message quotes both.</exception>
    internal static ModifySpec Parse(string option)
    {
        var spec = ModifySpec.Parse(option, "modify_headers");
        return HttpSyntax.HeaderName(spec.Subject) is { } problem ? throw new FormatException($"modify_headers '{option}': {problem}") : spec;
    }

    /// <inheritdoc/>
    public override ValueTask RequestHeadersAsync(Flow flow, CancellationToken cancellationToken)
    {
        Apply(flow, flow.Request.Headers);
        return default;
    }

    /// <inheritdoc/>
    public override ValueTask ResponseHeadersAsync(Flow flow, CancellationToken cancellationToken)
    {
        Apply(flow, flow.Response!.Headers); // the response hook always has a response
        return default;
    }

    private void Apply(Flow flow, HttpHeaders headers)
    {
        var matching = specs.Where(s => s.Matches(flow)).ToList();
        foreach (var spec in matching)
        {
            headers.Remove(spec.Subject);
        }

        foreach (var spec in matching.Where(s => s.Replacement.Length > 0))
        {
            headers.Add(spec.Subject, spec.Replacement);
        }
    }
}
