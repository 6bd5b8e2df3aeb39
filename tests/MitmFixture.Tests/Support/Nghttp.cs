using System.Diagnostics;

namespace MitmFixture.Tests.Support;

/// <summary>Debian's nghttp (nghttp2-client), bounded in time: an https:// URL is fetched over TLS offering h2 (and its drafts h2-16, h2-14), without checking the certificate.</summary>
public static class Nghttp
{
    public sealed record Result(int ExitCode, string Stdout, string Stderr);

    public static async Task<Result> RunAsync(string url, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo("/usr/bin/nghttp") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in new[] { "-v", "-t", "20", url })
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("nghttp did not start");
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        await process.WaitForExitAsync(timeout.Token);
        return new Result(process.ExitCode, await stdout, await stderr);
    }
}
