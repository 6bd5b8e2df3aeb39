namespace MitmFixture.Http;

/// <summary>
/// ASP.NET Core's known header names (<see cref="Microsoft.Net.Http.Headers.HeaderNames"/>), canonical
/// case: the names the parsers reuse instead of allocating (<see cref="Http1FieldStrings"/>) and the
/// HTTP/2 side keeps lowered (<c>Http2FieldNames</c>).
/// </summary>
internal static class KnownHeaderNames
{
    public static IReadOnlyList<string> All { get; } = typeof(Microsoft.Net.Http.Headers.HeaderNames)
        .GetFields(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Static)
        .Select(field => field.GetValue(null))
        .OfType<string>()
        .Distinct(StringComparer.Ordinal)
        .ToArray();
}
