namespace MitmFixture.Content;

/// <summary>
/// Gathers a view's lines up to a limit, sanitized for display, and counts the ones left out so
/// the last line can say how many. Views may call <see cref="Omit"/> once full instead of
/// producing lines nobody will see.
/// </summary>
internal sealed class LineCollector
{
    private readonly List<string> _lines = [];
    private readonly int _maxLines;
    private long _omitted;

    public LineCollector(int maxLines)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxLines, 1);
        _maxLines = maxLines;
    }

    public bool IsFull => _lines.Count >= _maxLines;

    public int Count => _lines.Count;

    public void Add(string line)
    {
        if (IsFull)
        {
            _omitted++;
            return;
        }

        _lines.Add(DisplayText.Sanitize(line));
    }

    /// <summary>Adds the concatenation of <paramref name="parts"/>, only joining them when the line will be kept.</summary>
    public void Add(params ReadOnlySpan<string> parts)
    {
        if (IsFull)
        {
            _omitted++;
            return;
        }

        Add(string.Concat(parts));
    }

    /// <summary>
    /// Adds <paramref name="text"/> split on line ends (LF or CRLF), each line prefixed with
    /// <paramref name="indent"/>; a final line end does not start another, empty line.
    /// </summary>
    public void AddText(string text, string indent = "")
    {
        var rest = text.AsSpan();
        while (!rest.IsEmpty)
        {
            if (IsFull)
            {
                // Counting is all that is left to do: no need to split or sanitize.
                _omitted += rest.Count('\n') + (rest[^1] == '\n' ? 0 : 1);
                return;
            }

            var end = rest.IndexOf('\n');
            var line = end < 0 ? rest : rest[..end];
            if (line.EndsWith("\r"))
            {
                line = line[..^1];
            }

            Add(indent.Length == 0 ? line.ToString() : string.Concat(indent, line));
            rest = end < 0 ? [] : rest[(end + 1)..];
        }
    }

    public void Omit(long count) => _omitted += count;

    /// <summary>Forgets everything added, for starting over with another view.</summary>
    public void Clear()
    {
        _lines.Clear();
        _omitted = 0;
    }

    public IReadOnlyList<string> ToList()
    {
        if (_omitted == 0)
        {
            return _lines.ToArray();
        }

        var noun = _omitted == 1 ? "line" : "lines";
        return [.. _lines, $"[… {_omitted:N0} more {noun} not shown]"];
    }
}
