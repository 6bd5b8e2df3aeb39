using MitmFixture.Cassettes;

namespace MitmFixture.Tests.Cassettes;

/// <summary>Which cookie values redaction searches for outside their own header (README: "Redaction").</summary>
public sealed class CookieSecretShapeTests
{
    [Theory]
    [InlineData("consent", "true")]
    [InlineData("consent", "false")]
    [InlineData("lang", "en-US")]
    [InlineData("theme", "dark")]
    [InlineData("tz", "Europe/Berlin")]
    [InlineData("tz", "Europe%2FBerlin")]
    [InlineData("tz", "America/Argentina/Buenos_Aires")]
    [InlineData("cookieconsent_status", "dismiss")]
    [InlineData("n", "1")]
    [InlineData("visits", "1234567890")]
    [InlineData("seen", "2026-12-07T10:00:00Z")]
    [InlineData("variant", "dark2")]
    [InlineData("prefs", "%7B%22consent%22%3Atrue%2C%22ads%22%3Afalse%7D")]
    [InlineData("hidden", "\"yes\"")]
    public void IsCredential_OrdinaryNameAndValue_IsNot(string name, string value) =>
        Assert.False(CookieSecretShape.IsCredential(name, value));

    [Theory]
    [InlineData("x", "3f9a8c0e1b2d4f6a8c0e1b2d4f6a8c0e")] // 32 hex
    [InlineData("x", "550e8400-e29b-41d4-a716-446655440000")] // a UUID
    [InlineData("x", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U")] // a JWT
    [InlineData("x", "q1w2E3r4T5y6U7i8O9p0AsDfGhJkL+/aBcD==")] // base64
    [InlineData("x", "\"q1w2E3r4T5y6U7i8\"")] // quoted (RFC 6265 §4.1.1)
    [InlineData("x", "s%3AaB3dE5fG7hJ9.kLmNoPqRsTuVwXyZ0123456789aBcDeFgHiJkLmNo")] // express' signed connect.sid
    [InlineData("x", "QwErTyUiOpAsDfGhJkLzXc")] // random letters, no digit
    [InlineData("x", "a1b2c3d4")]
    public void IsCredential_RandomLookingValue_Is(string name, string value) =>
        Assert.True(CookieSecretShape.IsCredential(name, value));

    [Theory]
    [InlineData("PHPSESSID")]
    [InlineData("JSESSIONID")]
    [InlineData("connect.sid")]
    [InlineData(".AspNetCore.Session")]
    [InlineData(".AspNetCore.Antiforgery.9fXoN5jHCXs")]
    [InlineData("laravel_session")]
    [InlineData("sessionid")]
    [InlineData("csrftoken")]
    [InlineData("XSRF-TOKEN")]
    [InlineData("remember_web_59ba36")]
    [InlineData("auth")]
    [InlineData("api_key")]
    [InlineData("jwt")]
    [InlineData("user_id")]
    [InlineData("visitorId")]
    [InlineData("ID")]
    public void IsCredential_CredentialName_IsWhateverTheValue(string name) =>
        Assert.True(CookieSecretShape.IsCredential(name, "dark"));

    [Theory]
    [InlineData("consent")]
    [InlineData("lang")]
    [InlineData("theme")]
    [InlineData("hidden")]
    [InlineData("ideal")]
    [InlineData("video")]
    [InlineData("cookieconsent_status")]
    public void HasCredentialName_OrdinaryName_IsNot(string name) =>
        Assert.False(CookieSecretShape.HasCredentialName(name));

    // The name rule matches words of the name, not substrings: author, keyboard or monkey once counted as
    // credential names (auth, key), so their ordinary values were searched for, and replaced, cassette-wide.
    [Theory]
    [InlineData("sessionid", true)]
    [InlineData("connect.sid", true)]
    [InlineData("XSRF-TOKEN", true)]
    [InlineData("auth_token", true)]
    [InlineData("authToken", true)]
    [InlineData("PHPSESSID", true)]
    [InlineData("JSESSIONID", true)]
    [InlineData("ASPSESSIONIDQQGGGNCG", true)]
    [InlineData("ASP.NET_SessionId", true)]
    [InlineData("__Host-session", true)]
    [InlineData("__Secure-next-auth.session-token", true)]
    [InlineData("__RequestVerificationToken", true)]
    [InlineData("csrftoken", true)]
    [InlineData("csrf_cookie_name", true)]
    [InlineData("oauth_state_secret", true)]
    [InlineData("apikey", true)]
    [InlineData("x-api-key", true)]
    [InlineData("remember_me", true)]
    [InlineData("login", true)]
    [InlineData("sso_ticket", true)]
    [InlineData("SAML", true)]
    [InlineData("user_password", true)]
    [InlineData("pass", true)]
    [InlineData("credentials", true)]
    [InlineData("jwt", true)]
    [InlineData("SAPISID", true)]
    [InlineData("sess", true)]
    [InlineData("author", false)]
    [InlineData("authority", false)]
    [InlineData("keyboard", false)]
    [InlineData("keyword", false)]
    [InlineData("monkey", false)]
    [InlineData("turkey", false)]
    [InlineData("passive", false)]
    [InlineData("passport_country", false)]
    [InlineData("compass", false)]
    [InlineData("bypass", false)]
    [InlineData("tokenizer", false)]
    [InlineData("secretary", false)]
    [InlineData("sidebar", false)]
    [InlineData("inside", false)]
    [InlineData("assessment", false)]
    [InlineData("obsession", false)]
    [InlineData("hidden", false)]
    [InlineData("ideal", false)]
    [InlineData("video", false)]
    [InlineData("cookieconsent_status", false)]
    public void HasCredentialName_MatchesWordsOfTheName_NotSubstrings(string name, bool credential) =>
        Assert.Equal(credential, CookieSecretShape.HasCredentialName(name));
}
