using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace MitmFixture.Flows;

/// <summary>
/// Runs the addons' hooks in their declared order. An addon that throws is logged and skipped, as
/// mitmproxy does, so one broken script never takes the proxy down. After each hook an intercepted
/// flow waits for its resume, which only ever parks this flow's connection.
/// </summary>
internal sealed partial class AddonPipeline
{
    private readonly ProxyAddon[] _addons;
    private readonly ILogger _logger;
    private readonly Func<Flow, CancellationToken, ValueTask>? _waitWhilePaused;

    public AddonPipeline(IEnumerable<ProxyAddon> addons, ILogger? logger = null)
        : this(addons.ToArray(), logger ?? NullLogger.Instance, waitWhilePaused: null)
    {
    }

    private AddonPipeline(ProxyAddon[] addons, ILogger logger, Func<Flow, CancellationToken, ValueTask>? waitWhilePaused)
    {
        _addons = addons;
        _logger = logger;
        _waitWhilePaused = waitWhilePaused;
    }

    public IReadOnlyList<ProxyAddon> Addons => _addons;

    public bool IsEmpty => _addons.Length == 0;

    /// <summary>
    /// The same addons, with paused flows waited for by <paramref name="waitWhilePaused"/> instead of
    /// <see cref="Flow.WaitWhileInterceptedAsync"/>: a client session uses it to watch its socket
    /// meanwhile, so a client that leaves is noticed (see ClientSession.Pause.cs).
    /// </summary>
    internal AddonPipeline WithPauseWait(Func<Flow, CancellationToken, ValueTask> waitWhilePaused) =>
        new(_addons, _logger, waitWhilePaused);

    public async ValueTask ClientConnectedAsync(ClientConnectionInfo client, CancellationToken cancellationToken)
    {
        foreach (var addon in _addons)
        {
            try
            {
                await addon.ClientConnectedAsync(client, cancellationToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogAddonFailed(addon.Name, nameof(ProxyAddon.ClientConnectedAsync), e);
            }
        }
    }

    public async ValueTask ClientDisconnectedAsync(ClientConnectionInfo client, CancellationToken cancellationToken)
    {
        foreach (var addon in _addons)
        {
            try
            {
                await addon.ClientDisconnectedAsync(client, cancellationToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogAddonFailed(addon.Name, nameof(ProxyAddon.ClientDisconnectedAsync), e);
            }
        }
    }

    public ValueTask HttpConnectAsync(Flow flow, CancellationToken cancellationToken) =>
        RunFlowHookAsync(flow, static (a, f, ct) => a.HttpConnectAsync(f, ct), stopWhenAnswered: true, nameof(ProxyAddon.HttpConnectAsync), cancellationToken);

    public ValueTask RequestHeadersAsync(Flow flow, CancellationToken cancellationToken) =>
        RunFlowHookAsync(flow, static (a, f, ct) => a.RequestHeadersAsync(f, ct), stopWhenAnswered: true, nameof(ProxyAddon.RequestHeadersAsync), cancellationToken);

    public ValueTask RequestAsync(Flow flow, CancellationToken cancellationToken) =>
        RunFlowHookAsync(flow, static (a, f, ct) => a.RequestAsync(f, ct), stopWhenAnswered: true, nameof(ProxyAddon.RequestAsync), cancellationToken);

    public ValueTask ResponseHeadersAsync(Flow flow, CancellationToken cancellationToken) =>
        RunFlowHookAsync(flow, static (a, f, ct) => a.ResponseHeadersAsync(f, ct), stopWhenAnswered: false, nameof(ProxyAddon.ResponseHeadersAsync), cancellationToken);

    public ValueTask ResponseAsync(Flow flow, CancellationToken cancellationToken) =>
        RunFlowHookAsync(flow, static (a, f, ct) => a.ResponseAsync(f, ct), stopWhenAnswered: false, nameof(ProxyAddon.ResponseAsync), cancellationToken);

    public ValueTask WebSocketStartAsync(Flow flow, CancellationToken cancellationToken) =>
        RunFlowHookAsync(flow, static (a, f, ct) => a.WebSocketStartAsync(f, ct), stopWhenAnswered: false, nameof(ProxyAddon.WebSocketStartAsync), cancellationToken);

    public ValueTask WebSocketEndAsync(Flow flow, CancellationToken cancellationToken) =>
        RunFlowHookAsync(flow, static (a, f, ct) => a.WebSocketEndAsync(f, ct), stopWhenAnswered: false, nameof(ProxyAddon.WebSocketEndAsync), cancellationToken);

    public ValueTask ErrorAsync(Flow flow, CancellationToken cancellationToken) =>
        RunFlowHookAsync(flow, static (a, f, ct) => a.ErrorAsync(f, ct), stopWhenAnswered: false, nameof(ProxyAddon.ErrorAsync), cancellationToken);

    public async ValueTask WebSocketMessageAsync(Flow flow, WebSocketMessage message, CancellationToken cancellationToken)
    {
        foreach (var addon in _addons)
        {
            try
            {
                await addon.WebSocketMessageAsync(flow, message, cancellationToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogAddonFailed(addon.Name, nameof(ProxyAddon.WebSocketMessageAsync), e);
            }

            if (message.Dropped || flow.Killed)
            {
                return;
            }
        }
    }

    /// <summary>True unless an addon says it will answer this host itself (see <see cref="ProxyAddon.WantsUpstreamFor"/>).</summary>
    /// <summary>SOCKS5 mode: true when some addon (proxyauth) wants a username and password.</summary>
    public bool RequiresSocks5Auth => _addons.Any(a => a.RequiresSocks5Auth);

    /// <summary>SOCKS5 mode: true when every addon that requires credentials accepts these.</summary>
    public bool Socks5Auth(ClientConnectionInfo client, string username, string password) =>
        _addons.Where(a => a.RequiresSocks5Auth).All(a => a.Socks5Auth(client, username, password));

    public bool WantsUpstreamFor(string host, int port)
    {
        foreach (var addon in _addons)
        {
            if (!addon.WantsUpstreamFor(host, port))
            {
                return false;
            }
        }

        return true;
    }

    public async ValueTask DoneAsync()
    {
        foreach (var addon in _addons)
        {
            try
            {
                await addon.DoneAsync();
            }
            catch (Exception e)
            {
                LogAddonFailed(addon.Name, nameof(ProxyAddon.DoneAsync), e);
            }
        }
    }

    private async ValueTask RunFlowHookAsync(
        Flow flow,
        Func<ProxyAddon, Flow, CancellationToken, ValueTask> hook,
        bool stopWhenAnswered,
        string hookName,
        CancellationToken cancellationToken)
    {
        foreach (var addon in _addons)
        {
            try
            {
                await hook(addon, flow, cancellationToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogAddonFailed(addon.Name, hookName, e);
            }

            if (flow.Intercepted)
            {
                if (_waitWhilePaused is { } wait)
                {
                    await wait(flow, cancellationToken);
                }
                else
                {
                    await flow.WaitWhileInterceptedAsync(cancellationToken);
                }
            }

            if (flow.Killed || (stopWhenAnswered && flow.Response is not null))
            {
                return;
            }
        }
    }

    [LoggerMessage(EventId = 100, Level = LogLevel.Error, Message = "Addon {Addon} failed in {Hook}")]
    private partial void LogAddonFailed(string addon, string hook, Exception exception);
}
