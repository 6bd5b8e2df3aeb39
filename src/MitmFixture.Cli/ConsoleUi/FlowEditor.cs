using System.Globalization;
using System.Text;
using MitmFixture.Content;
using MitmFixture.Flows;
using MitmFixture.Http;

namespace MitmFixture.Cli.ConsoleUi;

/// <summary>
/// What <c>e</c> then a letter edits in the flow view: headers, query and form in the grid editor;
/// method, URL and status code in the prompt; the body in <c>$EDITOR</c>.
/// </summary>
internal static class FlowEditor
{
    private const string FormType = "application/x-www-form-urlencoded";

    public static string MenuText(FlowTab tab) => tab == FlowTab.Request
        ? "Edit request: h headers, q query, f form, m method, u URL, b body (Esc cancels)"
        : "Edit response: h headers, c status code, b body; request: q query, f form, m method, u URL (Esc cancels)";

    public static void Edit(ConsoleApp app, Flow flow, FlowTab tab, char part)
    {
        var message = tab == FlowTab.Request ? (HttpMessage)flow.Request : flow.Response;
        switch (part)
        {
            case 'h' or 'b' or 'c' when message is null:
                app.Fail("There is no response yet");
                return;
            case 'h':
                EditHeaders(app, message!, tab);
                return;
            case 'q':
                EditQuery(app, flow.Request);
                return;
            case 'f':
                EditForm(app, flow.Request);
                return;
            case 'm':
                app.Ask("Method", flow.Request.Method, text => SetMethod(flow.Request, text));
                return;
            case 'u':
                app.Ask("URL", flow.Request.Url, text => SetUrl(flow.Request, text));
                return;
            case 'c' when message is HttpResponse response:
                app.Ask("Status code", response.StatusCode.ToString(CultureInfo.InvariantCulture), text => SetStatus(response, text));
                return;
            case 'c':
                app.Fail("The status code is on the Response tab (Tab switches)");
                return;
            case 'b':
                EditBody(app, message!);
                return;
            default:
                app.Say("Nothing edited");
                return;
        }
    }

    public static string? SetMethod(HttpRequest request, string text)
    {
        var method = text.Trim();
        if (!HttpSyntax.IsToken(method))
        {
            return $"'{text}' is not a method: letters, digits and !#$%&'*+-.^_`|~ only";
        }

        request.Method = method;
        return null;
    }

    public static string? SetUrl(HttpRequest request, string text)
    {
        if (!Uri.TryCreate(text.Trim(), UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || uri.Host.Length == 0)
        {
            return $"'{text}' is not an absolute http or https URL";
        }

        var hostHeader = request.Headers.Get("Host");
        var oldAuthority = request.Authority;
        request.Scheme = uri.Scheme;
        request.Host = uri.IdnHost;
        request.Port = uri.Port;
        request.Path = string.IsNullOrEmpty(uri.PathAndQuery) ? "/" : uri.PathAndQuery;
        if (hostHeader is null || hostHeader == oldAuthority)
        {
            request.Headers.Set("Host", request.Authority); // keep Host in step unless the user set it apart
        }

        return null;
    }

    public static string? SetStatus(HttpResponse response, string text)
    {
        if (!int.TryParse(text.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var code) || code is < 100 or > 999)
        {
            return $"'{text}' is not a status code: a number from 100 to 999";
        }

        response.StatusCode = code;
        response.Reason = ReasonPhrases.For(code);
        return null;
    }

    private static void EditHeaders(ConsoleApp app, HttpMessage message, FlowTab tab)
    {
        var rows = message.Headers.Select(h => (IReadOnlyList<string>)[h.Name, h.Value]);
        app.Push(new GridEditorScreen(app, $"{tab} headers", ["Name", "Value"], rows, edited =>
        {
            var headers = new HttpHeaders();
            for (var i = 0; i < edited.Count; i++)
            {
                var (name, value) = (edited[i][0].Trim(), edited[i][1]);
                if (name.Length == 0 && value.Length == 0)
                {
                    continue;
                }

                if (!HttpSyntax.IsToken(name))
                {
                    return $"row {i + 1}: '{name}' is not a header name";
                }

                if (value.Contains('\r') || value.Contains('\n'))
                {
                    return $"row {i + 1}: a header value cannot hold a line break";
                }

                headers.Add(name, value);
            }

            message.Headers = headers;
            return null;
        }));
    }

    private static void EditQuery(ConsoleApp app, HttpRequest request)
    {
        var rows = request.Query.Select(p => (IReadOnlyList<string>)[p.Key, p.Value]);
        app.Push(new GridEditorScreen(app, "Query", ["Name", "Value"], rows, edited =>
        {
            var pairs = Pairs(edited);
            request.Path = pairs.Count == 0 ? request.PathOnly : request.PathOnly + "?" + FormUrlEncoding.Format(pairs);
            return null;
        }));
    }

    private static void EditForm(ConsoleApp app, HttpRequest request)
    {
        var isForm = ContentKind.IsUrlEncodedForm(request.ContentType);
        if (!isForm && request.DecodedBody is { Length: > 0 })
        {
            app.Say("The body is not a URL-encoded form: saving the form replaces it");
        }

        var rows = isForm && request.Text is { } text
            ? FormUrlEncoding.Parse(text).Select(p => (IReadOnlyList<string>)[p.Key, p.Value])
            : [];
        app.Push(new GridEditorScreen(app, "URL-encoded form", ["Name", "Value"], rows, edited =>
        {
            request.Headers.Set("Content-Type", FormType);
            request.SetDecodedBody(Encoding.UTF8.GetBytes(FormUrlEncoding.Format(Pairs(edited))));
            SyncContentLength(request);
            return null;
        }));
    }

    private static void EditBody(ConsoleApp app, HttpMessage message)
    {
        if (message.Body is null)
        {
            app.Fail("The body was streamed and is not kept, so it cannot be edited");
            return;
        }

        var extension = ContentKind.EditorExtension(message.ContentType);
        // The bytes as they are (decoded from Content-Encoding only), as mitmproxy's spawn_editor has
        // them: going through text would turn a binary body or one in another charset into U+FFFD
        // replacements even when the user saved without a change.
        var original = message.DecodedBody ?? [];
        var edited = app.RunEditor(original, extension);
        if (edited is not null && (original.Length == 0 || original[^1] != (byte)'\n') && edited.Length > 0 && edited[^1] == (byte)'\n')
        {
            edited = edited[..^1]; // the final newline editors such as vi add on saving
        }

        if (edited is null)
        {
            return; // RunEditor said why
        }

        if (edited.AsSpan().SequenceEqual(original))
        {
            app.Say("Body unchanged");
            return;
        }

        if (message.DecodeProblem is not null)
        {
            message.Body = edited; // it was shown encoded, so it was edited encoded: keep it as saved
        }
        else
        {
            message.SetDecodedBody(edited);
        }

        SyncContentLength(message);
        app.Say($"Body set ({message.Body?.Length ?? 0} bytes)");
    }

    /// <summary>The proxy frames the body itself when sending; this keeps what the flow view shows true meanwhile.</summary>
    private static void SyncContentLength(HttpMessage message)
    {
        if (message.Headers.Contains("Content-Length") && message.Body is { } body)
        {
            message.Headers.Set("Content-Length", body.Length.ToString(CultureInfo.InvariantCulture));
        }
    }

    private static List<KeyValuePair<string, string>> Pairs(IReadOnlyList<IReadOnlyList<string>> rows) =>
        rows.Where(r => r[0].Length > 0 || r[1].Length > 0).Select(r => new KeyValuePair<string, string>(r[0], r[1])).ToList();
}
