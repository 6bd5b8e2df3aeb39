using MitmFixture.Http;
using MitmFixture.Proxy;

namespace MitmFixture.Tests.Proxy;

public sealed class HeadScratchTests
{
    [Fact]
    public void CopyOf_ChangingTheCopy_LeavesTheMessageHeadersAlone_AndTheNextCopyHoldsOnlyItsOwnFields()
    {
        var request = new HttpHeaders(("Host", "a.test"), ("Proxy-Connection", "keep-alive"), ("Accept", "*/*"));
        var response = new HttpHeaders(("Content-Length", "2"));

        var copy = HeadScratch.CopyOf(request);
        copy.Remove("Proxy-Connection");
        copy.Set("Content-Length", "0");

        Assert.Equal(["Host", "Proxy-Connection", "Accept"], request.Select(f => f.Name));
        Assert.Equal(["Host", "Accept", "Content-Length"], copy.Select(f => f.Name));

        var next = HeadScratch.CopyOf(response);

        Assert.Same(copy, next); // one list per thread, reused
        Assert.Equal(["Content-Length: 2"], next.Select(f => $"{f.Name}: {f.Value}"));
    }
}
