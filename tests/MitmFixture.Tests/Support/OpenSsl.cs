using System.Diagnostics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.RegularExpressions;

namespace MitmFixture.Tests.Support;

/// <summary>
/// The openssl command-line tool as a TLS peer whose session reuse is visible: s_client prints
/// "New," or "Reused," for its handshake, and s_server -www says the same about each connection in
/// the page it serves. .NET's SslStream has no such property.
/// </summary>
public static partial class OpenSsl
{
    /// <summary>Runs s_client with <paramref name="arguments"/>, sends <paramref name="input"/> and returns what it printed once the server closed.</summary>
    public static async Task<string> ClientAsync(string input, params string[] arguments)
    {
        using var process = Start(["s_client", "-ign_eof", .. arguments]);
        await process.StandardInput.WriteAsync(input);
        await process.StandardInput.FlushAsync();
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await process.WaitForExitAsync(timeout.Token);
        return await stdout + await stderr;
    }

    /// <summary>An s_server -www on a free loopback port with a self-signed certificate for localhost; dispose to stop it.</summary>
    public static async Task<Server> StartServerAsync()
    {
        var folder = Directory.CreateTempSubdirectory("mitmfixture-s_server-").FullName;
        using (var key = ECDsa.Create(ECCurve.NamedCurves.nistP256))
        {
            var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256);
            using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
            await File.WriteAllTextAsync(Path.Combine(folder, "cert.pem"), certificate.ExportCertificatePem());
            await File.WriteAllTextAsync(Path.Combine(folder, "key.pem"), key.ExportPkcs8PrivateKeyPem());
        }

        var process = Start(["s_server", "-accept", "127.0.0.1:0", "-www", "-cert", Path.Combine(folder, "cert.pem"), "-key", Path.Combine(folder, "key.pem")]);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (await process.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
        {
            if (AcceptLine().Match(line) is { Success: true } match)
            {
                _ = process.StandardOutput.ReadToEndAsync(); // keep draining so the server never blocks on a full pipe
                _ = process.StandardError.ReadToEndAsync();
                return new Server(process, int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture), folder);
            }
        }

        process.Dispose();
        throw new InvalidOperationException("openssl s_server did not report its port");
    }

    private static Process Start(string[] arguments)
    {
        var start = new ProcessStartInfo("openssl")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        return Process.Start(start) ?? throw new InvalidOperationException("openssl did not start");
    }

    [GeneratedRegex(@"^ACCEPT .*:(\d+)$")]
    private static partial Regex AcceptLine();

    public sealed class Server(Process process, int port, string folder) : IDisposable
    {
        public int Port { get; } = port;

        public void Dispose()
        {
            process.Kill();
            process.WaitForExit(5000);
            process.Dispose();
            Directory.Delete(folder, recursive: true);
        }
    }
}
