using System.CommandLine;
using MitmFixture.Cli.Output;
using MitmFixture.Tls;

namespace MitmFixture.Cli.Commands;

/// <summary><c>mitmfixture ca</c>: where the CA lives, export it for clients, or replace it.</summary>
internal static class CaCommand
{
    public static Command Create()
    {
        var confdir = new Option<string?>("--confdir") { Description = "Directory holding the CA (default ~/.mitmfixture).", Recursive = true };

        var path = new Command("path", "Print the CA certificate's path, creating the CA on first use.");
        path.SetAction(parse => Run(parse.GetValue(confdir), ca =>
        {
            Console.WriteLine(Path.Combine(ca.Directory!, CertificateAuthority.CertificatePemFileName)); // stored CAs have a directory
            return 0;
        }));

        var output = new Option<string?>("--output", "-o") { Description = "Write to this file instead of standard output." };
        var der = new Option<bool>("--der") { Description = "DER (binary, .cer) instead of PEM; needs --output." };
        var export = new Command("export", "Write the CA certificate (never its key), PEM by default.") { output, der };
        export.SetAction(parse => Run(parse.GetValue(confdir), ca =>
        {
            var file = parse.GetValue(output);
            if (parse.GetValue(der) && file is null)
            {
                Console.Error.WriteLine("error: --der writes binary; give a file with --output");
                return 2;
            }

            if (file is null)
            {
                Console.Write(ca.CertificatePem + "\n");
                return 0;
            }

            var errors = new List<string>();
            OutputFile.Check(file, errors);
            if (errors.Count > 0)
            {
                return ProxyCommandOptions.Report(errors);
            }

            byte[] content = parse.GetValue(der) ? ca.CertificateDer : System.Text.Encoding.ASCII.GetBytes(ca.CertificatePem + "\n");
            return OutputFile.TryWrite(file, () => File.WriteAllBytes(file, content)) ? 0 : 1;
        }));

        var regenerate = new Command("regenerate", "Replace the CA with a new one; clients must trust the new certificate.");
        regenerate.SetAction(parse =>
        {
            try
            {
                using var ca = CertificateAuthority.Regenerate(parse.GetValue(confdir));
                Console.WriteLine($"new CA: {Path.Combine(ca.Directory!, CertificateAuthority.CertificatePemFileName)} ({ca.Certificate.Thumbprint})");
                return 0;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or InvalidDataException)
            {
                Console.Error.WriteLine("error: " + e.Message);
                return 1;
            }
        });

        return new Command("ca", "Manage the certificate authority that signs interception certificates.")
        {
            confdir, path, export, regenerate,
        };
    }

    private static int Run(string? confdir, Func<CertificateAuthority, int> action)
    {
        try
        {
            using var ca = CertificateAuthority.LoadOrCreate(confdir);
            return action(ca);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException)
        {
            Console.Error.WriteLine("error: " + e.Message);
            return 1;
        }
    }
}
