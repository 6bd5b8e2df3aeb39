using MitmFixture.Cli.Output;
using MitmFixture.Tests.Support;

namespace MitmFixture.Tests.Cli.Output;

public sealed class FlowLineTests
{
    [Theory]
    [InlineData(0.4, "0ms")]
    [InlineData(0.5, "1ms")]
    [InlineData(31, "31ms")]
    [InlineData(999.4, "999ms")]
    [InlineData(1000, "1.0s")]
    [InlineData(1250, "1.3s")]
    [InlineData(1249, "1.2s")]
    [InlineData(61_234, "61.2s")]
    public void Duration_WholeMillisecondsUnderASecondElseTenthsOfSeconds(double milliseconds, string expected)
    {
        var flow = TestFlows.Get("http://example.com/").Respond(200, "ok");
        flow.Request.TimestampStart = TestFlows.Start;
        flow.Response!.TimestampEnd = TestFlows.Start + TimeSpan.FromMilliseconds(milliseconds);

        Assert.Equal(expected, FlowLine.Duration(flow));
    }

    [Fact]
    public void Format_PrintableRequest_IsPrintedAsIs()
    {
        var flow = TestFlows.Get("http://example.com/a?b=c").Respond(200, "hello");
        flow.Request.TimestampStart = TestFlows.Start;
        flow.Response!.TimestampEnd = TestFlows.Start + TimeSpan.FromMilliseconds(12);

        var line = FlowLine.Format(flow);

        Assert.EndsWith("GET http://example.com/a?b=c << 200 OK 5b 12ms", line, StringComparison.Ordinal);
    }

    [Fact]
    public void Format_ResponseHeadThenAnError_PrintsTheError()
    {
        // The head was read, then the body broke: the client got a 502, not this 200 (mitmdump prints the error too).
        var flow = TestFlows.Get("http://example.com/cut").Respond(200, "");
        flow.Error = new MitmFixture.Flows.FlowError("connection closed with 91 body bytes missing", TestFlows.Start);

        Assert.Contains("GET http://example.com/cut << error: connection closed with 91 body bytes missing", FlowLine.Format(flow), StringComparison.Ordinal);
    }

    [Fact]
    public void Format_ControlCharactersInTheReason_AreEscaped()
    {
        var flow = TestFlows.Get("http://example.com/").Respond(200, "x");
        flow.Response!.Reason = "OK\u001b[2J";

        Assert.Contains("200 OK\\x1b[2J ", FlowLine.Format(flow), StringComparison.Ordinal);
    }
}
