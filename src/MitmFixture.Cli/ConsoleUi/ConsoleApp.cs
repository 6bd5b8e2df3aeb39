using MitmFixture.Cassettes;
using MitmFixture.Flows;

namespace MitmFixture.Cli.ConsoleUi;

/// <summary>
/// The console's state machine: the screen stack, the flow list, the prompt, the event log and the
/// actions screens share (accept, kill, delete, replay, save). Keys come in through
/// <see cref="HandleKey"/>; <see cref="Sync"/> pulls new flows from the proxy. Nothing here draws
/// or touches a terminal.
/// </summary>
internal sealed class ConsoleApp
{
    private readonly Stack<Screen> _screens = new();
    private readonly List<Task> _replays = [];
    private string? _lastDrawFailure;

    public ConsoleApp(ConsoleBackend backend, EventLog? events = null)
    {
        Backend = backend;
        Events = events ?? new EventLog();
        _screens.Push(new FlowListScreen(this));
        Sync();
    }

    public ConsoleBackend Backend { get; }

    public FlowList Flows { get; } = new();

    public EventLog Events { get; }

    /// <summary>The event log pane under the flow list, toggled with <c>e</c>.</summary>
    public bool ShowEventLog { get; set; }

    public Prompt? Prompt { get; private set; }

    public Confirmation? Confirmation { get; private set; }

    /// <summary>A one-line note for the user, cleared by the next key.</summary>
    public string? Message { get; private set; }

    public bool QuitRequested { get; private set; }

    /// <summary>
    /// Set by the terminal runner: gives the terminal to a program (the external editor) for the
    /// length of the call and takes it back after. Without it (tests) the call just runs.
    /// </summary>
    public Func<Func<byte[]?>, byte[]?>? TerminalHandover { get; set; }

    public Screen Current => _screens.Peek();

    /// <summary>Client replays started with <c>r</c> that have not finished.</summary>
    public int PendingReplays
    {
        get
        {
            _replays.RemoveAll(t => t.IsCompleted);
            return _replays.Count;
        }
    }

    /// <summary>Adds flows loaded from a cassette (not live, not in the proxy's store).</summary>
    public void Load(IEnumerable<Flow> flows)
    {
        foreach (var flow in flows)
        {
            Flows.Add(flow);
        }

        Flows.Recompute();
    }

    /// <summary>Takes in the flows the proxy started since the last call and re-applies the view filter.</summary>
    public void Sync()
    {
        foreach (var flow in Backend.Proxy.Flows.Snapshot())
        {
            Flows.Add(flow);
        }

        Flows.Recompute();
    }

    /// <summary>
    /// Handles one key. Whatever goes wrong in it is shown and logged, never thrown: one faulty key
    /// (or a flow a proxy thread changed under it) must not end the session and every flow in memory.
    /// </summary>
    public void HandleKey(ConsoleKeyInfo key)
    {
        Flows.Invalidate(); // the key may edit a flow, and the view filter must see the edit
        try
        {
            Dispatch(key);
        }
        catch (Exception e)
        {
            Fail($"Key {Describe(key)} failed: {Describe(e)}");
        }
    }

    /// <summary>
    /// Logs that a frame could not be drawn, once per distinct error: the screen is redrawn several
    /// times a second and the same failure would otherwise fill the event log.
    /// </summary>
    public void ReportDrawFailure(Exception e)
    {
        var text = "Drawing the screen failed: " + Describe(e);
        if (text != _lastDrawFailure)
        {
            _lastDrawFailure = text;
            Events.Error(text);
        }
    }

    /// <summary>Type, message and where it was thrown, on one line for the event log.</summary>
    public static string Describe(Exception e)
    {
        var where = e.StackTrace?.Split('\n', 2)[0].Trim();
        return string.IsNullOrEmpty(where) ? $"{e.GetType().Name}: {e.Message}" : $"{e.GetType().Name}: {e.Message} ({where})";
    }

    private static string Describe(ConsoleKeyInfo key) =>
        key.KeyChar != '\0' && !char.IsControl(key.KeyChar) ? $"'{key.KeyChar}'" : key.Key.ToString();

    private void Dispatch(ConsoleKeyInfo key)
    {
        Message = null;
        if (Confirmation is { } confirmation)
        {
            Confirmation = null;
            if (Keys.Plain(key) is 'y' or 'Y' || key.Key == ConsoleKey.Enter)
            {
                confirmation.Yes();
            }

            return;
        }

        if (Prompt is { } prompt)
        {
            HandlePromptKey(prompt, key);
            return;
        }

        if (Keys.ControlLetter(key) == 'C' || (Keys.Plain(key) == 'Q' && !Current.CapturesKeys))
        {
            QuitRequested = true;
            return;
        }

        if (Keys.Plain(key) == '?' && !Current.CapturesKeys && Current is not HelpScreen)
        {
            Push(new HelpScreen(this, Current));
            return;
        }

        Current.HandleKey(key);
        Flows.Recompute();
    }

    public void Push(Screen screen) => _screens.Push(screen);

    /// <summary>Leaves the current screen; leaving the flow list asks whether to quit.</summary>
    public void Pop()
    {
        if (_screens.Count > 1)
        {
            _screens.Pop();
            return;
        }

        Confirm("Quit mitmfixture? (y/n)", Quit);
    }

    public void Quit() => QuitRequested = true;

    public void Ask(string label, string initial, Func<string, string?> accept) => Prompt = new Prompt(label, initial, accept);

    public void Confirm(string question, Action yes) => Confirmation = new Confirmation(question, yes);

    public void Say(string message) => Message = message;

    /// <summary>Shows an error and keeps it in the event log.</summary>
    public void Fail(string message)
    {
        Message = message;
        Events.Error(message);
    }

    /// <summary>
    /// Opens <paramref name="content"/> in the external editor; null, with the reason shown and
    /// logged, when the editor failed, could not start, or the user discarded the edit.
    /// </summary>
    public byte[]? RunEditor(byte[] content, string extension)
    {
        byte[]? Edit()
        {
            try
            {
                var edit = Backend.Editor.Edit(content, extension);
                if (edit.Failure is { } failure)
                {
                    Fail($"The editor {failure}; nothing was changed");
                }

                return edit.Content;
            }
            catch (Exception e) when (e is System.ComponentModel.Win32Exception or IOException or UnauthorizedAccessException)
            {
                Fail("Cannot run the editor ($VISUAL, $EDITOR or vi): " + e.Message);
                return null;
            }
        }

        return TerminalHandover is { } handover ? handover(Edit) : Edit();
    }

    /// <summary>mitmproxy refuses to edit a flow the proxy is still working on unless it is paused.</summary>
    public bool CanEdit(Flow flow)
    {
        if (flow.Live && !flow.Intercepted)
        {
            Fail("This flow is still being processed; intercept it (i) to edit it.");
            return false;
        }

        return true;
    }

    public void Accept(Flow flow)
    {
        if (flow.Intercepted)
        {
            flow.Resume();
            Say("Accepted " + flow.Request.Url);
        }
    }

    public void AcceptAll()
    {
        var accepted = 0;
        foreach (var flow in Flows.All.Where(f => f.Intercepted).ToList())
        {
            flow.Resume();
            accepted++;
        }

        Say($"Accepted {accepted} intercepted flows");
    }

    public void Kill(Flow flow)
    {
        if (flow.Live)
        {
            flow.Kill(Backend.Proxy.Options.TimeProvider);
            Say("Killed " + flow.Request.Url);
        }
        else
        {
            Say("Only a live flow can be killed");
        }
    }

    /// <summary>
    /// Removes a flow from the list; a live one is killed first, as mitmproxy's view.flows.remove does:
    /// a paused one would leave its client waiting, and one still on its way could be paused by the
    /// interception filter later, out of sight where nobody can accept it.
    /// </summary>
    public void Delete(Flow flow)
    {
        if (flow.Live)
        {
            flow.Kill(Backend.Proxy.Options.TimeProvider);
        }

        Flows.Remove(flow);
        Backend.Proxy.Flows.Remove(flow);
    }

    /// <summary>Removes every flow, killing the live ones as <see cref="Delete"/> does, also those the list has not synced yet.</summary>
    public void ClearAll()
    {
        foreach (var flow in Flows.All.Concat(Backend.Proxy.Flows.Snapshot()).Where(f => f.Live).Distinct().ToList())
        {
            flow.Kill(Backend.Proxy.Options.TimeProvider);
        }

        Flows.Clear();
        Backend.Proxy.Flows.Clear();
        Say("Cleared all flows");
    }

    /// <summary>Client-side replay of one flow's request; the answer shows as a new flow marked as replayed.</summary>
    public void Replay(Flow flow)
    {
        if (flow.Live)
        {
            Fail("Cannot replay a flow that is still live");
            return;
        }

        var request = flow.Request.Clone();
        request.TimestampStart = null; // a new exchange: its times are its own, as ClientReplayer does
        request.TimestampEnd = null;
        Events.Info("Replaying " + request.Url);
        _replays.Add(Task.Run(async () =>
        {
            var replayed = await Backend.Proxy.ReplayAsync(request);
            if (replayed.Error is { } error)
            {
                Events.Error($"Replay of {request.Url} failed: {error.Message}");
            }
        }));
        Say("Replaying " + request.Url);
    }

    /// <summary>Writes the listed (filtered) flows to a cassette, atomically; returns an error or null.</summary>
    public string? Save(string path)
    {
        path = path.Trim();
        if (path == "~" || path.StartsWith("~/", StringComparison.Ordinal))
        {
            path = Backend.HomeDirectory + path[1..]; // as a shell would
        }

        if (path.Length == 0)
        {
            return "a file name is needed";
        }

        var flows = Flows.Visible.Where(f => !f.Live).ToList();
        try
        {
            Cassette.Save(path, flows, Backend.Redactor, Backend.Proxy.Options.Mode.ToString());
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            return $"cannot save to {path}: {e.Message}";
        }

        var skipped = Flows.Visible.Count - flows.Count;
        var note = skipped > 0 ? $" ({skipped} live flows left out)" : "";
        Say($"Saved {flows.Count} flows to {path}{note}");
        Events.Info($"Saved {flows.Count} flows to {Path.GetFullPath(path)}");
        return null;
    }

    private void HandlePromptKey(Prompt prompt, ConsoleKeyInfo key)
    {
        switch (prompt.Editor.HandleKey(key))
        {
            case LineEditResult.Cancelled:
                Prompt = null;
                return;
            case LineEditResult.Accepted:
                var error = prompt.Accept(prompt.Editor.Text);
                if (error is null)
                {
                    if (ReferenceEquals(Prompt, prompt))
                    {
                        Prompt = null;
                    }

                    Flows.Recompute();
                }
                else
                {
                    prompt.Error = error;
                }

                return;
            default:
                prompt.Error = null;
                return;
        }
    }
}
