using MitmFixture.Bench;

// Micro-benchmarks of engine parts, run in Release: dotnet run -c Release --project bench/MitmFixture.Bench -- <name>
var name = args.Length > 0 ? args[0] : "all";
if (name is "certs" or "all")
{
    CertificateMinting.Run();
}
