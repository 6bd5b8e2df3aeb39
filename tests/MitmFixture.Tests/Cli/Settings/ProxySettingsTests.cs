using MitmFixture.Cli.Settings;
using MitmFixture.Http;

namespace MitmFixture.Tests.Cli.Settings;

public sealed class ProxySettingsTests
{
    [Fact]
    public void Build_LimitNames_SetTheLimits()
    {
        var errors = new List<string>();

        var options = ProxySettings.Build("127.0.0.1:0", "regular", sslInsecure: false,
            ["headers_timeout=2.5", "keepalive_timeout=10", "min_request_body_grace_period=1", "min_request_body_data_rate=500", "min_response_data_rate=0"], errors);

        Assert.Empty(errors);
        Assert.Equal(TimeSpan.FromSeconds(2.5), options.Limits.HeadersTimeout);
        Assert.Equal(TimeSpan.FromSeconds(10), options.Limits.IdleTimeout);
        Assert.Equal(new MinDataRate(500, TimeSpan.FromSeconds(1)), options.Limits.MinRequestBodyDataRate);
        Assert.Null(options.Limits.MinResponseDataRate);
    }

    [Theory]
    [InlineData("headers_timeout=0")]
    [InlineData("keepalive_timeout=soon")]
    [InlineData("min_request_body_data_rate=-1")]
    [InlineData("min_response_grace_period=-5")]
    public void Build_BadLimit_IsReported(string set)
    {
        var errors = new List<string>();

        ProxySettings.Build("127.0.0.1:0", "regular", sslInsecure: false, [set], errors);

        Assert.Contains(errors, e => e.Contains(set.Split('=')[0], StringComparison.Ordinal));
    }
}
