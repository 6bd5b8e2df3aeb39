namespace MitmFixture.Http;

/// <summary>One header line as received: name in its original case, value untouched.</summary>
public readonly record struct HeaderField(string Name, string Value)
{
    /// <inheritdoc/>
    public override string ToString() => $"{Name}: {Value}";
}
