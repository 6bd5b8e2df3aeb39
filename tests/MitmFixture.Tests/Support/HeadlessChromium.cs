using System.Diagnostics;

namespace MitmFixture.Tests.Support;

/// <summary>
/// Debian's chromium, headless, loading a page from disk: the DOM after the page's script ran
/// (--dump-dom), every console message and uncaught error (Chromium logs them to stderr as
/// CONSOLE lines with --enable-logging=stderr), and optionally a screenshot. Each run gets a fresh
/// profile folder and no background networking.
/// </summary>
public static class HeadlessChromium
{
    public sealed record PageLoad(string Dom, IReadOnlyList<string> Console, TimeSpan Elapsed);

    public static async Task<PageLoad> LoadAsync(string file, string hash = "", string? screenshot = null)
    {
        var profile = Directory.CreateTempSubdirectory("mitmfixture-chromium-").FullName;
        var home = ChildEnvironment.CreateHome(); // Chromium may write ~/.pki and ~/.cache: never the real home
        try
        {
            var start = new ProcessStartInfo("chromium")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            }.Isolate(home);
            foreach (var argument in (string[])["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--no-first-run", "--user-data-dir=" + profile, "--window-size=1280,800", "--enable-logging=stderr", "--v=0"])
            {
                start.ArgumentList.Add(argument);
            }

            start.ArgumentList.Add(screenshot is null ? "--dump-dom" : "--screenshot=" + screenshot);
            start.ArgumentList.Add(new Uri(file).AbsoluteUri + hash);
            var clock = Stopwatch.StartNew();
            Process process;
            try
            {
                process = Process.Start(start) ?? throw new InvalidOperationException("chromium did not start");
            }
            catch (System.ComponentModel.Win32Exception e)
            {
                throw new InvalidOperationException("chromium is not installed: apt-get install -y chromium (.ci/run installs it)", e);
            }

            using (process)
            {
                var stdout = process.StandardOutput.ReadToEndAsync();
                var stderr = process.StandardError.ReadToEndAsync();
                using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(60));
                await process.WaitForExitAsync(cancel.Token);
                var elapsed = clock.Elapsed;
                var console = (await stderr).Split('\n').Where(l => l.Contains(":CONSOLE", StringComparison.Ordinal)).ToList();
                return new PageLoad(await stdout, console, elapsed);
            }
        }
        finally
        {
            Directory.Delete(profile, recursive: true);
            ChildEnvironment.DeleteHome(home);
        }
    }
}
