using MitmFixture.Flows;
using MitmFixture.Tests.Support;

namespace MitmFixture.Tests.Flows;

public sealed class RandomIdsTests
{
    [Fact]
    public void NewGuid_AcrossSeveralRandomBlocks_AllDistinctVersion4Rfc9562()
    {
        var ids = Enumerable.Range(0, 1000).Select(_ => RandomIds.NewGuid()).ToList(); // 256 per block: four refills

        Assert.Equal(ids.Count, ids.Distinct().Count());
        Assert.All(ids, id =>
        {
            var text = id.ToString();
            Assert.Equal('4', text[14]); // version nibble
            Assert.Contains(text[19], "89ab"); // variant 10xx
        });
    }

    [Fact]
    public void NewGuid_OnTwoThreads_NoIdRepeats()
    {
        var first = new List<Guid>();
        var second = new List<Guid>();
        var a = new Thread(() => first.AddRange(Enumerable.Range(0, 600).Select(_ => RandomIds.NewGuid())));
        var b = new Thread(() => second.AddRange(Enumerable.Range(0, 600).Select(_ => RandomIds.NewGuid())));
        a.Start();
        b.Start();
        a.Join();
        b.Join();

        Assert.Empty(first.Intersect(second));
    }

    [Fact]
    public void FlowAndConnectionIds_AreVersion4Uuids()
    {
        var flow = TestFlows.Get("http://example.com/");

        Assert.Equal(4, Guid.Parse(flow.Id).Version);
        Assert.Equal(4, Guid.ParseExact(flow.Client.Id, "N").Version);
    }
}
