using MitmFixture.Addons.Specs;

namespace MitmFixture.Tests.Addons.Specs;

/// <summary>A spec's three parts, as a console's grid shows and edits them, and back.</summary>
public sealed class ModifySpecTests
{
    [Fact]
    public void Parse_ExposesTheThreePartsAsWritten()
    {
        var spec = ModifySpec.Parse("|~q & ~d example.com|a/b|c/d", "modify_body");

        Assert.Equal("~q & ~d example.com", spec.Filter!.Expression);
        Assert.Equal("a/b", spec.Subject);
        Assert.Equal("c/d", spec.Replacement);
        Assert.Equal("c/d", spec.ReplacementSource);
    }

    [Theory]
    [InlineData("~q", "secret=(\\w+)", "secret=<\\1>", "/~q/secret=(\\w+)/secret=<\\1>")]
    [InlineData(null, "x", "y", "/x/y")]
    [InlineData("  ", "x", "y", "/x/y")]
    [InlineData("~u /api/", "a|b", "c", ":~u /api/:a|b:c")]
    public void Create_BuildsTheOptionWithAFreeSeparator_AndParseReadsItBack(string? filter, string subject, string replacement, string option)
    {
        var spec = ModifySpec.Create(filter, subject, replacement, "modify_body");
        var reparsed = ModifySpec.Parse(spec.Option, "modify_body");

        Assert.Equal(option, spec.Option);
        Assert.Equal(string.IsNullOrWhiteSpace(filter) ? null : filter, spec.Filter?.Expression);
        Assert.Equal(spec.Filter?.Expression, reparsed.Filter?.Expression);
        Assert.Equal((subject, replacement), (spec.Subject, spec.Replacement));
        Assert.Equal((subject, replacement), (reparsed.Subject, reparsed.Replacement));
    }

    [Theory]
    [InlineData("~q & (", "x", "y", "invalid filter '~q & ('")]
    [InlineData("~q", "", "y", "the subject (between the separators) is empty")]
    [InlineData("~q", "x", "@/no/such/file", "cannot read replacement file")]
    [InlineData(null, "/|:#!;,%^=@`'\"*+&<>?$-_.", "y", "no separator character is free")]
    public void Create_ValidatesAsParseDoes(string? filter, string subject, string replacement, string message)
    {
        var error = Assert.Throws<FormatException>(() => ModifySpec.Create(filter, subject, replacement, "modify_body"));

        Assert.StartsWith("modify_body", error.Message, StringComparison.Ordinal);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReplacementFromAFile_KeepsItsSourceForDisplay()
    {
        var file = Path.GetTempFileName();
        try
        {
            File.WriteAllText(file, "from the file");

            var spec = ModifySpec.Create("~s", "x", "@" + file, "modify_body");

            Assert.Equal("from the file", spec.Replacement);
            Assert.Equal("@" + file, spec.ReplacementSource);
        }
        finally
        {
            File.Delete(file);
        }
    }
}
