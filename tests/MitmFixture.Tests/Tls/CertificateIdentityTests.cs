using MitmFixture.Tls;

namespace MitmFixture.Tests.Tls;

public sealed class CertificateIdentityTests
{
    [Theory]
    [InlineData("example.com", true)]
    [InlineData("*.example.com", true)]
    [InlineData("*.co.uk", true)] // no public suffix list: two labels under the wildcard pass
    [InlineData("*", false)]
    [InlineData("*.com", false)]
    [InlineData("*.", false)]
    [InlineData("a*.example.com", false)]
    [InlineData("www.*.example.com", false)]
    [InlineData("**.example.com", false)]
    [InlineData("", false)]
    [InlineData("a..b", false)]
    public void IsSafeToCopy_RefusesWildcardsOverASingleLabel(string name, bool expected) =>
        Assert.Equal(expected, CertificateIdentity.IsSafeToCopy(name));
}
