using System.Collections;

namespace MitmFixture.Http;

/// <summary>
/// Header fields in wire order. Duplicates and original case are kept; lookups ignore case
/// (RFC 9110 §5.1). Modelled on mitmproxy's <c>Headers</c> multidict.
/// </summary>
public sealed class HttpHeaders : IEnumerable<HeaderField>
{
    private readonly List<HeaderField> _fields;

    public HttpHeaders() => _fields = new List<HeaderField>(8);

    public HttpHeaders(IEnumerable<HeaderField> fields) => _fields = new List<HeaderField>(fields);

    public HttpHeaders(params (string Name, string Value)[] fields)
        : this(fields.Select(f => new HeaderField(f.Name, f.Value)))
    {
    }

    public int Count => _fields.Count;

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

    public IReadOnlyList<string> GetAll(string name)
    {
        var values = new List<string>();
        foreach (var field in _fields)
        {
            if (field.Name.Equals(name, StringComparison.OrdinalIgnoreCase))
            {
                values.Add(field.Value);
            }
        }

        return values;
    }

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

    public void Add(string name, string value) => _fields.Add(new HeaderField(name, value));

    public void Insert(int index, string name, string value) => _fields.Insert(index, new HeaderField(name, value));

    /// <summary>Replaces the field at <paramref name="index"/>, keeping its position.</summary>
    public void ReplaceAt(int index, string name, string value) => _fields[index] = new HeaderField(name, value);

    /// <summary>Replaces every field named <paramref name="name"/> with one, kept at the first one's position.</summary>
    public void Set(string name, string value)
    {
        var index = _fields.FindIndex(f => f.Name.Equals(name, StringComparison.OrdinalIgnoreCase));
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
    public int Remove(string name) =>
        _fields.RemoveAll(f => f.Name.Equals(name, StringComparison.OrdinalIgnoreCase));

    public void Clear() => _fields.Clear();

    public HttpHeaders Clone() => new(_fields);

    /// <summary>True when the comma-separated value of <paramref name="name"/> holds <paramref name="token"/>.</summary>
    public bool HasToken(string name, string token)
    {
        foreach (var field in _fields)
        {
            if (!field.Name.Equals(name, StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            foreach (var part in field.Value.Split(','))
            {
                if (part.Trim().Equals(token, StringComparison.OrdinalIgnoreCase))
                {
                    return true;
                }
            }
        }

        return false;
    }

    public List<HeaderField>.Enumerator GetEnumerator() => _fields.GetEnumerator();

    IEnumerator<HeaderField> IEnumerable<HeaderField>.GetEnumerator() => _fields.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => _fields.GetEnumerator();

    public override string ToString() => string.Join("\r\n", _fields);
}
