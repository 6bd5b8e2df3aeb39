using System.Text;
using MitmFixture.Cassettes;

namespace MitmFixture.Tests.Cassettes;

public sealed class JsonLocatorTests
{
    private const string Document = "{\n  \"a\": {\n    \"b\": 1\n  },\n  \"a.b\": [\n    2,\n    \"x\"\n  ]\n}\n";

    [Fact]
    public void LinesOf_PathsBuiltWithPropertyAndElement_AreFoundInOnePass_ANameWithADotIsItsOwnPlace()
    {
        var nested = JsonLocator.Property(JsonLocator.Property("$", "a"), "b");
        var dotted = JsonLocator.Property("$", "a.b");
        var element = JsonLocator.Element(dotted, 1);
        var absent = JsonLocator.Property("$", "c");

        var lines = JsonLocator.LinesOf(Encoding.UTF8.GetBytes(Document), new HashSet<string> { "$", nested, dotted, element, absent });

        Assert.Equal(1, lines["$"]);
        Assert.Equal(3, lines[nested]);
        Assert.Equal(5, lines[dotted]);
        Assert.Equal(7, lines[element]);
        Assert.False(lines.ContainsKey(absent));
        Assert.NotEqual(nested, dotted);
    }
}
