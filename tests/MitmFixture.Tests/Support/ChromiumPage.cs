using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json.Nodes;

namespace MitmFixture.Tests.Support;

/// <summary>
/// A page open in Debian's headless chromium that a test drives as a user would, over the Chrome
/// DevTools Protocol: focus an element, type into it (Input.insertText, the same path as an input
/// method committing text: the page gets real input events), read the page with a script. The
/// browser listens for the protocol on a loopback port it picks itself (--remote-debugging-port=0,
/// announced in the profile's DevToolsActivePort file). Uncaught errors and console errors are
/// collected. Each page gets a fresh profile and home, deleted on dispose.
/// </summary>
public sealed class ChromiumPage : IAsyncDisposable
{
    private static readonly TimeSpan StartLimit = TimeSpan.FromSeconds(30);
    private readonly Process _process;
    private readonly string _profile;
    private readonly string _home;
    private readonly ClientWebSocket _socket = new();
    private readonly ConcurrentDictionary<int, TaskCompletionSource<JsonObject>> _pending = new();
    private readonly ConcurrentQueue<string> _errors = new();
    private readonly CancellationTokenSource _stop = new();
    private Task _receiving = Task.CompletedTask;
    private int _nextId;

    private ChromiumPage(Process process, string profile, string home)
    {
        _process = process;
        _profile = profile;
        _home = home;
    }

    /// <summary>Script errors and console errors the page produced so far.</summary>
    public IReadOnlyList<string> Errors => _errors.ToArray();

    /// <summary>Opens <paramref name="file"/> and waits until the page says it is ready (<c>body[data-ready=1]</c>).</summary>
    public static async Task<ChromiumPage> OpenAsync(string file, CancellationToken cancellationToken)
    {
        var profile = Directory.CreateTempSubdirectory("mitmfixture-chromium-").FullName;
        var home = ChildEnvironment.CreateHome(); // Chromium may write ~/.pki and ~/.cache: never the real home
        var start = new ProcessStartInfo("chromium") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false }.Isolate(home);
        foreach (var argument in (string[])["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run", "--user-data-dir=" + profile, "--window-size=1280,800", "--remote-debugging-address=127.0.0.1",
            "--remote-debugging-port=0", "about:blank"])
        {
            start.ArgumentList.Add(argument);
        }

        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException("chromium did not start");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            Directory.Delete(profile, recursive: true);
            ChildEnvironment.DeleteHome(home);
            throw new InvalidOperationException("chromium is not installed: apt-get install -y chromium (.ci/run installs it)", e);
        }

        _ = process.StandardOutput.ReadToEndAsync(CancellationToken.None); // drained so the browser never blocks on a full pipe
        _ = process.StandardError.ReadToEndAsync(CancellationToken.None);
        var page = new ChromiumPage(process, profile, home);
        try
        {
            await page.ConnectAsync(cancellationToken);
            await page.SendAsync("Runtime.enable", null, cancellationToken);
            await page.SendAsync("Page.enable", null, cancellationToken);
            await page.SendAsync("Page.navigate", new JsonObject { ["url"] = new Uri(file).AbsoluteUri }, cancellationToken);
            await page.WaitForAsync("document.body && document.body.dataset.ready === '1'", StartLimit, cancellationToken);
            return page;
        }
        catch
        {
            await page.DisposeAsync();
            throw;
        }
    }

    /// <summary>Focuses the element with <paramref name="id"/> and types <paramref name="text"/> into it.</summary>
    public async Task TypeAsync(string id, string text, CancellationToken cancellationToken)
    {
        var found = await EvaluateAsync($"(() => {{ const e = document.getElementById({Quote(id)}); if (!e) return false; e.focus(); return document.activeElement === e; }})()", cancellationToken);
        if (found?.GetValue<bool>() != true)
        {
            throw new InvalidOperationException($"no element #{id} to type into");
        }

        await SendAsync("Input.insertText", new JsonObject { ["text"] = text }, cancellationToken);
    }

    /// <summary>Presses a key that types no text (Backspace, Enter...) on the focused element.</summary>
    public async Task PressAsync(string key, int windowsKeyCode, CancellationToken cancellationToken)
    {
        foreach (var type in (string[])["rawKeyDown", "keyUp"])
        {
            await SendAsync("Input.dispatchKeyEvent", new JsonObject { ["type"] = type, ["key"] = key, ["code"] = key, ["windowsVirtualKeyCode"] = windowsKeyCode }, cancellationToken);
        }
    }

    /// <summary>The value of a script expression, as JSON.</summary>
    public async Task<JsonNode?> EvaluateAsync(string expression, CancellationToken cancellationToken)
    {
        var result = await SendAsync("Runtime.evaluate", new JsonObject { ["expression"] = expression, ["returnByValue"] = true }, cancellationToken);
        if (result["exceptionDetails"] is { } thrown)
        {
            throw new InvalidOperationException($"script {expression} threw: {thrown.ToJsonString()}");
        }

        return result["result"]?["value"]?.DeepClone();
    }

    /// <summary>Waits until a script expression is true, checking every 50 ms.</summary>
    public async Task WaitForAsync(string condition, TimeSpan limit, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            if ((await EvaluateAsync($"!!({condition})", cancellationToken))?.GetValue<bool>() == true)
            {
                return;
            }

            if (clock.Elapsed > limit)
            {
                throw new TimeoutException($"the page never got to {condition} in {limit.TotalSeconds:0} s; errors: {string.Join("; ", Errors)}");
            }

            await Task.Delay(50, cancellationToken);
        }
    }

    private async Task ConnectAsync(CancellationToken cancellationToken)
    {
        var announce = Path.Combine(_profile, "DevToolsActivePort");
        var clock = Stopwatch.StartNew();
        string[] lines;
        while (!File.Exists(announce) || (lines = (await File.ReadAllLinesAsync(announce, cancellationToken)).Where(l => l.Length > 0).ToArray()).Length < 2)
        {
            if (_process.HasExited || clock.Elapsed > StartLimit)
            {
                throw new InvalidOperationException($"chromium did not open its DevTools port (exited: {_process.HasExited})");
            }

            await Task.Delay(50, cancellationToken);
        }

        using var http = new HttpClient(new HttpClientHandler { UseProxy = false });
        var targets = JsonNode.Parse(await http.GetStringAsync($"http://127.0.0.1:{lines[0]}/json/list", cancellationToken))!.AsArray(); // DevTools answers a JSON array
        var target = targets.First(t => (string?)t!["type"] == "page")!;
        await _socket.ConnectAsync(new Uri((string)target["webSocketDebuggerUrl"]!), cancellationToken); // every page target has one
        _receiving = ReceiveAsync(_stop.Token);
    }

    private async Task<JsonObject> SendAsync(string method, JsonObject? parameters, CancellationToken cancellationToken)
    {
        var id = Interlocked.Increment(ref _nextId);
        var answer = new TaskCompletionSource<JsonObject>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[id] = answer;
        var message = new JsonObject { ["id"] = id, ["method"] = method, ["params"] = parameters ?? [] };
        await _socket.SendAsync(Encoding.UTF8.GetBytes(message.ToJsonString()), WebSocketMessageType.Text, endOfMessage: true, cancellationToken);
        var reply = await answer.Task.WaitAsync(StartLimit, cancellationToken);
        return reply["error"] is { } error
            ? throw new InvalidOperationException($"{method}: {error.ToJsonString()}")
            : reply["result"]?.AsObject() ?? [];
    }

    private async Task ReceiveAsync(CancellationToken cancellationToken)
    {
        var buffer = new byte[64 * 1024];
        using var message = new MemoryStream();
        try
        {
            while (_socket.State == WebSocketState.Open)
            {
                var part = await _socket.ReceiveAsync(buffer, cancellationToken);
                if (part.MessageType == WebSocketMessageType.Close)
                {
                    break;
                }

                message.Write(buffer, 0, part.Count);
                if (!part.EndOfMessage)
                {
                    continue;
                }

                var json = JsonNode.Parse(message.ToArray())!.AsObject(); // DevTools sends JSON objects
                message.SetLength(0);
                if (json["id"] is { } id && _pending.TryRemove(id.GetValue<int>(), out var answer))
                {
                    answer.TrySetResult(json);
                }
                else if ((string?)json["method"] == "Runtime.exceptionThrown")
                {
                    _errors.Enqueue("uncaught: " + json["params"]?["exceptionDetails"]?.ToJsonString());
                }
                else if ((string?)json["method"] == "Runtime.consoleAPICalled" && (string?)json["params"]?["type"] == "error")
                {
                    _errors.Enqueue("console.error: " + json["params"]?["args"]?.ToJsonString());
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException)
        {
            // The page is being closed.
        }
    }

    private static string Quote(string text) => System.Text.Json.JsonSerializer.Serialize(text);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _socket.Abort();
        await _receiving;
        _socket.Dispose();
        try
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }

        _process.Dispose();
        _stop.Dispose();
        Directory.Delete(_profile, recursive: true);
        ChildEnvironment.DeleteHome(_home);
    }
}
