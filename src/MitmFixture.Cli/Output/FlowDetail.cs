using System.Text;
using MitmFixture.Flows;
using MitmFixture.Http;

namespace MitmFixture.Cli.Output;

/// <summary>mitmdump's --flow-detail levels: 1 the flow line, 2 with headers, 3 with bodies cut at 1 KiB, 4 with whole bodies.</summary>
internal static class FlowDetail
{
    private const int ShortBody = 1024;

    public static string Format(Flow flow, int level)
    {
        var line = FlowLine.Format(flow);
        if (level <= 1)
        {
            return line;
        }

        var text = new StringBuilder(line).Append('\n');
        Append(text, ">> ", flow.Request, level);
        if (flow.Response is { } response)
        {
            Append(text, "<< ", response, level);
        }

        return text.ToString().TrimEnd('\n');
    }

    private static void Append(StringBuilder text, string prefix, HttpMessage message, int level)
    {
        foreach (var field in message.Headers)
        {
            text.Append("    ").Append(prefix).Append(field.Name).Append(": ").Append(field.Value).Append('\n');
        }

        if (level >= 3 && message.Text is { Length: > 0 } body)
        {
            var shown = level == 3 && body.Length > ShortBody ? body[..ShortBody] + $"… ({body.Length - ShortBody} more characters)" : body;
            text.Append("    ").Append(shown.Replace("\n", "\n    ", StringComparison.Ordinal)).Append('\n');
        }
    }
}
