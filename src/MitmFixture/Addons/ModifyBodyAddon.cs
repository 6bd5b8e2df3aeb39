using System.Text;
using System.Text.RegularExpressions;
using MitmFixture.Addons.Specs;
using MitmFixture.Flows;
using MitmFixture.Http;

namespace MitmFixture.Addons;

/// <summary>
/// <c>modify_body</c> (alias <c>replacements</c>), <c>/filter/regex/replacement</c>: a regex
/// replacement on decoded bodies, re-encoded after; requests on request, responses on response, as
/// the filter selects.
/// </summary>
public sealed class ModifyBodyAddon : ProxyAddon
{
    private readonly List<(ModifySpec Spec, Regex Regex, string Replacement)> _specs;

    public ModifyBodyAddon(IReadOnlyList<ModifySpec> specs) =>
        _specs = specs.Select(s => (s, s.SubjectRegex("modify_body"), s.DotNetReplacement)).ToList();

    public override ValueTask RequestAsync(Flow flow, CancellationToken cancellationToken)
    {
        if (flow.Response is null)
        {
            Apply(flow, flow.Request);
        }

        return default;
    }

    public override ValueTask ResponseAsync(Flow flow, CancellationToken cancellationToken)
    {
        Apply(flow, flow.Response!); // the response hook always has a response
        return default;
    }

    private void Apply(Flow flow, HttpMessage message)
    {
        if (message.DecodedBody is not { } body)
        {
            return; // streamed: nothing held to change
        }

        var text = Encoding.Latin1.GetString(body); // byte-preserving, so binary bodies survive
        var changed = text;
        foreach (var (spec, regex, replacement) in _specs)
        {
            if (spec.Matches(flow))
            {
                changed = regex.Replace(changed, replacement);
            }
        }

        if (!ReferenceEquals(changed, text) && changed != text)
        {
            message.SetDecodedBody(Encoding.Latin1.GetBytes(changed));
        }
    }
}
