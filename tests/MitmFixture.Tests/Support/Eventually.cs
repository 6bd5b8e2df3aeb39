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

    /// <summary>
    /// Checks that <paramref name="happened"/> stays false until a deadline, failing the moment it
    /// turns true: for "nothing is sent", where no event marks the end of waiting. Use only after
    /// every signal the code gives has been awaited, so the deadline covers what could still be in flight.
    /// </summary>
    public static async Task NeverAsync(Func<bool> happened, string what, int forMs = 500)
    {
        var deadline = DateTime.UtcNow.AddMilliseconds(forMs);
        while (DateTime.UtcNow < deadline)
        {
            Assert.False(happened(), what);
            await Task.Delay(20, TestContext.Current.CancellationToken);
        }

        Assert.False(happened(), what);
    }
}
