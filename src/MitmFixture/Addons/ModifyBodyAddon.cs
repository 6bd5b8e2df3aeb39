using System.Text;
using System.Text.RegularExpressions;
using MitmFixture.Addons.Specs;
using MitmFixture.Flows;
using MitmFixture.Http;

namespace MitmFixture.Addons;

/// <summary>
/// <c>modify_body</c> (alias <c>replacements</c>), <c>/filter/regex/replacement</c>: a regex
/// replacement on decoded bodies, re-encoded after; requests on request, responses on response, as
/// the filter selects. The rules may start empty and be swapped while the proxy runs (<see cref="Replace"/>).
/// </summary>
public sealed class ModifyBodyAddon : ProxyAddon
{
    private const string OptionName = "modify_body";

    // Replaced whole, never changed in place: a hook reads the field once and uses one set of rules.
    private volatile Rule[] _rules;

    /// <summary>Applies <paramref name="specs"/> in order; an empty list is allowed (rules can come later, see <see cref="Replace"/>).</summary>
    /// <exception cref="FormatException">A subject is not a valid regex.</exception>
    public ModifyBodyAddon(IReadOnlyList<ModifySpec> specs) => _rules = Compile(specs);

    /// <summary>The rules now in force, in order.</summary>
    public IReadOnlyList<ModifySpec> Specs => Array.ConvertAll(_rules, r => r.Spec);

    /// <summary>
    /// Swaps every rule at once; safe from any thread while the proxy runs. A body being rewritten
    /// uses the old rules or the new ones, never a mix.
    /// </summary>
    /// <exception cref="FormatException">A subject is not a valid regex; the rules in force stay as they were.</exception>
    public void Replace(IReadOnlyList<ModifySpec> specs) => _rules = Compile(specs);

    /// <inheritdoc/>
    public override ValueTask RequestAsync(Flow flow, CancellationToken cancellationToken)
    {
        if (flow.Response is null)
        {
            Apply(flow, flow.Request);
        }

        return default;
    }

    /// <inheritdoc/>
    public override ValueTask ResponseAsync(Flow flow, CancellationToken cancellationToken)
    {
        Apply(flow, flow.Response!); // the response hook always has a response
        return default;
    }

    private void Apply(Flow flow, HttpMessage message)
    {
        var rules = _rules;
        if (rules.Length == 0 || message.DecodedBody is not { } body || message.DecodeProblem is not null)
        {
            return; // no rules, streamed, or kept encoded (past the decoding limit, corrupt): nothing decoded to change
        }

        var text = Encoding.Latin1.GetString(body); // byte-preserving, so binary bodies survive
        var changed = text;
        foreach (var (spec, regex, replacement) in rules)
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

    private static Rule[] Compile(IReadOnlyList<ModifySpec> specs)
    {
        ArgumentNullException.ThrowIfNull(specs);
        return specs.Select(s => new Rule(s, s.SubjectRegex(OptionName), s.DotNetReplacement)).ToArray();
    }

    private sealed record Rule(ModifySpec Spec, Regex Regex, string Replacement);
}
