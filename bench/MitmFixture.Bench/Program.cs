using MitmFixture.Bench;

// Micro-benchmarks of engine parts, run in Release:
//   dotnet run -c Release --project bench/MitmFixture.Bench -- certs|cassettes [cassette-output-path]
var name = args.Length > 0 ? args[0] : "all";
if (name is "certs" or "all")
{
    CertificateMinting.Run();
}

if (name is "cassettes" or "all")
{
    CassetteLoading.Run(args.Length > 1 ? args[1] : null);
}
