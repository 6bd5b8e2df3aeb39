using System.Diagnostics;

namespace MitmFixture.Tests.Support;

/// <summary>
/// Debian's nghttp (nghttp2-client), verbose (<c>-v</c> prints every frame, trailing HEADERS included),
/// bounded in time. It speaks h2 over TLS with ALPN to an https:// URL (without checking the
/// certificate) and h2c with prior knowledge to an http:// one.
/// </summary>
public static class Nghttp
{
    public static async Task<Curl.Result> RunAsync(string url, CancellationToken cancellationToken)
    {
        var home = ChildEnvironment.CreateHome();
        try
        {
            var start = new ProcessStartInfo("/usr/bin/nghttp") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false }.Isolate(home);
            foreach (var argument in new[] { "-v", "-t", "20", url })
            {
                start.ArgumentList.Add(argument);
            }

            using var process = Process.Start(start)!; // a missing binary throws instead
            var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
            var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(30));
            await process.WaitForExitAsync(timeout.Token);
            return new Curl.Result(process.ExitCode, await stdout, await stderr);
        }
        finally
        {
            ChildEnvironment.DeleteHome(home);
        }
    }
}
