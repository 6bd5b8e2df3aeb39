namespace MitmFixture.Content;

internal enum MarkupTokenKind
{
    /// <summary>Character data between tags.</summary>
    Text,

    /// <summary>The content of script, style and the like, where '&lt;' is not markup.</summary>
    RawText,

    /// <summary><c>&lt;div class="a"&gt;</c>: opens an element.</summary>
    StartTag,

    /// <summary><c>&lt;/div&gt;</c>.</summary>
    EndTag,

    /// <summary><c>&lt;br&gt;</c>, <c>&lt;x/&gt;</c>: an element with no content.</summary>
    EmptyTag,

    /// <summary>Comments, CDATA, doctype and processing instructions: shown as they are.</summary>
    Special,
}

/// <summary>A piece of markup: its exact text and, for tags, the lower-cased element name.</summary>
internal readonly record struct MarkupToken(MarkupTokenKind Kind, string Text, string Name = "");
