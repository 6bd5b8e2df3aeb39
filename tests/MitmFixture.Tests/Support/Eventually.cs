namespace MitmFixture.Tests.Support;

/// <summary>Waits for something the proxy does after the client already has its answer (logging, recording, closing).</summary>
public static class Eventually
{
    public static async Task TrueAsync(Func<bool> condition, int timeoutMs = 5000)
    {
        for (var waited = 0; waited < timeoutMs && !condition(); waited += 50)
        {
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }

        Assert.True(condition(), $"condition not met within {timeoutMs} ms");
    }
}
