using System.Collections;

namespace MitmFixture.Http;

/// <summary>
/// Header fields in wire order. Duplicates and original case are kept; lookups ignore case
/// (RFC 9110 §5.1). Modelled on mitmproxy's <c>Headers</c> multidict.
/// </summary>
public sealed class HttpHeaders : IEnumerable<HeaderField>
{
    private readonly List<HeaderField> _fields;

    /// <summary>An empty header list.</summary>
    /// <remarks>No array until the first field: every message starts with one, and a parsed head replaces its fields in one exact-size array (<see cref="AddParsed"/>).</remarks>
    public HttpHeaders() => _fields = [];

    /// <summary>A header list holding <paramref name="fields"/> in order.</summary>
    public HttpHeaders(IEnumerable<HeaderField> fields) => _fields = new List<HeaderField>(fields);

    /// <summary>A header list holding <paramref name="fields"/> in order.</summary>
    public HttpHeaders(params (string Name, string Value)[] fields)
        : this(fields.Select(f => new HeaderField(f.Name, f.Value)))
    {
    }

    /// <summary>The number of fields (a repeated name counts each time).</summary>
    public int Count => _fields.Count;

    /// <summary>The field at <paramref name="index"/>, in wire order.</summary>
    public HeaderField this[int index] => _fields[index];

    /// <summary>The value of <paramref name="name"/>; several fields are joined with ", " as RFC 9110 §5.3 allows.</summary>
    public string? this[string name]
    {
        get => Get(name);
        set
        {
            if (value is null)
            {
                Remove(name);
            }
            else
            {
                Set(name, value);
            }
        }
    }

    /// <summary>The values of every field named <paramref name="name"/> (any case), joined with ", "; null when there is none.</summary>
    public string? Get(string name)
    {
        string? result = null;
        foreach (var field in _fields)
        {
            if (!field.Name.Equals(name, StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            result = result is null ? field.Value : result + ", " + field.Value;
        }

        return result;
    }

    /// <summary>The values of every field named <paramref name="name"/> (any case), in order.</summary>
    public IReadOnlyList<string> GetAll(string name)
    {
        // Counted first: called per request, and most names occur once or not at all.
        var count = 0;
        foreach (var field in _fields)
        {
            if (field.Name.Equals(name, StringComparison.OrdinalIgnoreCase))
            {
                count++;
            }
        }

        if (count == 0)
        {
            return [];
        }

        var values = new string[count];
        var next = 0;
        foreach (var field in _fields)
        {
            if (field.Name.Equals(name, StringComparison.OrdinalIgnoreCase))
            {
                values[next++] = field.Value;
            }
        }

        return values;
    }

    /// <summary>True when a field named <paramref name="name"/> (any case) is present.</summary>
    public bool Contains(string name)
    {
        foreach (var field in _fields)
        {
            if (field.Name.Equals(name, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Appends a field.</summary>
    public void Add(string name, string value) => _fields.Add(new HeaderField(name, value));

    /// <summary>Inserts a field at <paramref name="index"/>.</summary>
    public void Insert(int index, string name, string value) => _fields.Insert(index, new HeaderField(name, value));

    /// <summary>Replaces the field at <paramref name="index"/>, keeping its position.</summary>
    public void ReplaceAt(int index, string name, string value) => _fields[index] = new HeaderField(name, value);

    /// <summary>Replaces every field named <paramref name="name"/> with one, kept at the first one's position.</summary>
    public void Set(string name, string value)
    {
        var index = IndexOf(name);
        if (index < 0)
        {
            _fields.Add(new HeaderField(name, value));
            return;
        }

        _fields[index] = new HeaderField(_fields[index].Name, value);
        for (var i = _fields.Count - 1; i > index; i--)
        {
            if (_fields[i].Name.Equals(name, StringComparison.OrdinalIgnoreCase))
            {
                _fields.RemoveAt(i);
            }
        }
    }

    /// <summary>Removes every field named <paramref name="name"/>; returns how many were removed.</summary>
    public int Remove(string name)
    {
        var removed = 0;
        for (var i = _fields.Count - 1; i >= 0; i--)
        {
            if (_fields[i].Name.Equals(name, StringComparison.OrdinalIgnoreCase))
            {
                _fields.RemoveAt(i);
                removed++;
            }
        }

        return removed;
    }

    /// <summary>The first field named <paramref name="name"/> (any case), or -1; a loop, not a lambda, because it runs per request.</summary>
    private int IndexOf(string name)
    {
        for (var i = 0; i < _fields.Count; i++)
        {
            if (_fields[i].Name.Equals(name, StringComparison.OrdinalIgnoreCase))
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>Removes every field.</summary>
    public void Clear() => _fields.Clear();

    /// <summary>A copy that can be changed without changing this list.</summary>
    public HttpHeaders Clone() => new(_fields);

    /// <summary>
    /// Makes this list a copy of <paramref name="source"/>, reusing its array: the per-thread list a head
    /// is adjusted in just before it is written (<c>HeadScratch</c>), instead of a <see cref="Clone"/> per message.
    /// </summary>
    internal void CopyFrom(HttpHeaders source)
    {
        _fields.Clear();
        _fields.AddRange(source._fields);
    }

    /// <summary>Appends the fields a parser collected, growing the array once to the exact size.</summary>
    internal void AddParsed(List<HeaderField> fields)
    {
        _fields.Capacity = Math.Max(_fields.Capacity, _fields.Count + fields.Count);
        _fields.AddRange(fields);
    }

    /// <summary>True when the comma-separated value of <paramref name="name"/> holds <paramref name="token"/>.</summary>
    public bool HasToken(string name, string token)
    {
        foreach (var field in _fields)
        {
            if (!field.Name.Equals(name, StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            var value = field.Value.AsSpan();
            foreach (var part in value.Split(','))
            {
                if (value[part].Trim().Equals(token, StringComparison.OrdinalIgnoreCase))
                {
                    return true;
                }
            }
        }

        return false;
    }

    /// <summary>Enumerates the fields in wire order without allocating.</summary>
    public List<HeaderField>.Enumerator GetEnumerator() => _fields.GetEnumerator();

    IEnumerator<HeaderField> IEnumerable<HeaderField>.GetEnumerator() => _fields.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => _fields.GetEnumerator();

    /// <inheritdoc/>
    public override string ToString() => string.Join("\r\n", _fields);
}
