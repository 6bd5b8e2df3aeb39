using MitmFixture.Addons;
using MitmFixture.Cassettes;
using MitmFixture.Flows;
using MitmFixture.Replay;

namespace MitmFixture.Proxy;

/// <summary>The pieces of a pipeline that are not options: the ones a command or the fixture brings.</summary>
public sealed record PipelineParts
{
    /// <summary>
    /// Addons the user brings (the counterpart of mitmproxy scripts), run where mitmproxy's script
    /// loader sits: after anticache, anticomp and proxyauth, before server replay.
    /// </summary>
    public IReadOnlyList<ProxyAddon> Scripts { get; init; } = [];

    /// <summary>
    /// A server-replay addon made elsewhere (the fixture's per-test cassette), put where server replay
    /// goes; when null, the <c>server_replay</c> cassettes (if any) are loaded into one.
    /// </summary>
    public ProxyAddon? ServerReplay { get; init; }

    /// <summary>Interception (the console), after every addon that changes flows, so what the user sees is what is sent.</summary>
    public ProxyAddon? Intercept { get; init; }

    /// <summary>
    /// Makes the addon that writes flows (record, dump -w, the fixture's session), given the
    /// configuration's redactor: always last, as mitmproxy's <c>save</c>. Called only when every
    /// option is valid, so a bad option never creates or truncates a cassette.
    /// </summary>
    public Func<Redactor, ProxyAddon>? Recording { get; init; }

    /// <summary>Keep a modify_body addon even without rules, so its rules can be replaced while running (the console).</summary>
    public bool EditableModifyBody { get; init; }
}

/// <summary>
/// The one place a proxy's addon pipeline is put together, in the order of mitmproxy's
/// <c>default_addons()</c> (addons/__init__.py), for every command and the fixture:
/// <code>
/// anticache, anticomp, proxyauth, scripts, server replay, map_remote, modify_body, modify_headers,
/// stickyauth, stickycookie, intercept, recording
/// </code>
/// Server replay runs before the rewriting addons, so a cassette matches the request as the client
/// sent it, and an answered request ends the request hooks there (no rewrite, no server).
/// </summary>
public sealed class ProxyPipeline
{
    private ProxyPipeline(IReadOnlyList<ProxyAddon> addons, Redactor redactor, ServerReplayAddon? serverReplay, ModifyBodyAddon? modifyBody)
    {
        Addons = addons;
        Redactor = redactor;
        ServerReplay = serverReplay;
        ModifyBody = modifyBody;
    }

    /// <summary>The addons in the order their hooks run.</summary>
    public IReadOnlyList<ProxyAddon> Addons { get; }

    /// <summary>The redaction every cassette written by this proxy, and replay matching, use.</summary>
    public Redactor Redactor { get; }

    /// <summary>The server replay made from the <c>server_replay</c> cassettes, or null.</summary>
    public ServerReplayAddon? ServerReplay { get; }

    /// <summary>The modify_body addon (present with rules, or when asked for as editable), or null.</summary>
    public ModifyBodyAddon? ModifyBody { get; }

    /// <summary>Builds the pipeline, adding every problem found (bad specs and filters, unreadable cassettes) to <paramref name="errors"/>.</summary>
    public static ProxyPipeline Compose(ProxyConfiguration configuration, PipelineParts parts, List<string> errors)
    {
        // The typed properties (the fixture's, an embedder's) get the check the option surfaces give these names.
        CheckHeaderNames("redact_headers", configuration.Redaction.Headers, errors);
        CheckHeaderNames("server_replay_use_headers", configuration.ServerReplay.UseHeaders, errors);
        if (configuration.Redaction.MinimumSecretLength < 1)
        {
            errors.Add($"redact_min_secret_length: {configuration.Redaction.MinimumSecretLength} must be 1 or more"); // as the option's parser refuses it
        }

        var redactor = new Redactor(configuration.Redaction);
        var features = FeaturesFor(configuration, errors).Create(errors, configuration.Proxy.TimeProvider, parts.EditableModifyBody);
        var serverReplay = parts.ServerReplay is null ? LoadServerReplay(configuration, redactor, errors) : null;
        ProxyAddon?[] addons =
        [
            .. features.BeforeReplay,
            .. parts.Scripts,
            .. configuration.Proxy.Addons,
            parts.ServerReplay ?? serverReplay,
            .. features.AfterReplay,
            parts.Intercept,
            errors.Count == 0 ? parts.Recording?.Invoke(redactor) : null,
        ];
        return new ProxyPipeline(addons.OfType<ProxyAddon>().ToList(), redactor, serverReplay, features.ModifyBody);
    }

    private static void CheckHeaderNames(string option, IReadOnlyList<string> names, List<string> errors)
    {
        foreach (var name in names)
        {
            if (Http.HttpSyntax.HeaderName(name) is { } problem)
            {
                errors.Add($"{option}: {problem}");
            }
        }
    }

    /// <summary>
    /// The feature options this proxy's mode allows: proxyauth is refused in reverse mode (clients
    /// do not know they talk to a proxy, as mitmproxy's proxyauth addon says).
    /// </summary>
    internal static FeatureOptions FeaturesFor(ProxyConfiguration configuration, List<string> errors)
    {
        var features = configuration.Features;
        if (configuration.Proxy.Mode.Kind == ProxyModeKind.Reverse && features.ProxyAuth is { Length: > 0 } auth)
        {
            errors.Add($"proxyauth '{ProxyAuthAddon.Describe(auth)}': proxy authentication is not possible in reverse mode (clients do not know they talk to a proxy); use regular or upstream mode");
            return features with { ProxyAuth = null };
        }

        return features;
    }

    private static ServerReplayAddon? LoadServerReplay(ProxyConfiguration configuration, Redactor redactor, List<string> errors)
    {
        if (configuration.ServerReplayFiles.Count == 0)
        {
            return null;
        }

        var flows = new List<Flow>();
        var modes = new List<string?>();
        foreach (var path in configuration.ServerReplayFiles)
        {
            try
            {
                var cassette = Cassette.Load(path, configuration.Proxy.Limits.MaxDecodedBodyBytes);
                flows.AddRange(cassette.Flows);
                modes.AddRange(cassette.Modes);
            }
            catch (CassetteFormatException e)
            {
                errors.Add(e.Message);
            }
        }

        return new ServerReplayAddon(new ReplayStore(flows, configuration.ServerReplay, modes), configuration.Proxy.TimeProvider, redactor);
    }
}
