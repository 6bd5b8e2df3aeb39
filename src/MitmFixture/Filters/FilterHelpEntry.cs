namespace MitmFixture.Filters;

/// <summary>One row of the filter help: the syntax (<c>~h regex</c>, <c>!</c>) and what it matches.</summary>
internal sealed record FilterHelpEntry(string Syntax, string Description);
