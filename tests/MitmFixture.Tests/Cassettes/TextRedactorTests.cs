using MitmFixture.Cassettes;
using MitmFixture.Flows;
using MitmFixture.Http;

namespace MitmFixture.Tests.Cassettes;

/// <summary>Text outside a cassette (a log line) redacted with the cassette's rules.</summary>
public sealed class TextRedactorTests
{
    private static readonly RedactionOptions Options = new() { QueryParameters = ["api_key"] };

    [Fact]
    public void Redact_SecretQueryValue_NeverLearned_GetsItsKindsPlaceholder()
    {
        var redactor = new TextRedactor(Options);

        Assert.Equal("GET https://a.test/x?api_key=<API_KEY>&page=2 -> 200", redactor.Redact("GET https://a.test/x?api_key=k1&page=2 -> 200"));
        Assert.Equal("GET https://a.test/cb#access_token=<ACCESS_TOKEN> -> 302", redactor.Redact("GET https://a.test/cb#access_token=AT-frag-1 -> 302"));
    }

    [Fact]
    public void Redact_LearnedSecret_UnderAnyNameAndEscape_AndInFreeText_IsReplaced()
    {
        var redactor = new TextRedactor(Options);
        redactor.Learn(new Flow(HttpRequest.Create("GET", "https://a.test/me", null, ("Authorization", "Bearer BT+slash/777"))) { Response = HttpResponse.Create(200, "ok") });

        Assert.Equal("GET https://a.test/e?t=<AUTHORIZATION>&u=<AUTHORIZATION> failed: bad <AUTHORIZATION>", redactor.Redact("GET https://a.test/e?t=BT%2bslash%2F777&u=BT%2Bslash/777 failed: bad BT+slash/777"));
    }

    [Fact]
    public void Redact_TextWithoutSecrets_IsKept()
    {
        const string Line = "GET https://a.test/x?page=2&sort=<ACCESS_TOKEN> -> 200";

        Assert.Equal(Line, new TextRedactor(Options).Redact(Line));
    }
}
