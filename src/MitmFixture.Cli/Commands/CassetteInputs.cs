using MitmFixture.Cassettes;
using MitmFixture.Flows;

namespace MitmFixture.Cli.Commands;

/// <summary>Flows read from the cassettes a command names, in order, with each flow's recorded mode.</summary>
internal sealed record CassetteInputs(List<Flow> Flows, List<string?> Modes)
{
    /// <summary>
    /// Loads every path, bodies decoding within <paramref name="maxDecodedBodyBytes"/> (the proxy's
    /// decode_limit, as live ones); a file that cannot be read or parsed adds its error (naming the file) and is skipped.
    /// </summary>
    public static CassetteInputs Load(IEnumerable<string> paths, List<string> errors, long maxDecodedBodyBytes = Http.HttpLimits.DefaultMaxDecodedBodyBytes)
    {
        var inputs = new CassetteInputs([], []);
        foreach (var path in paths)
        {
            try
            {
                var cassette = Cassette.Load(path, maxDecodedBodyBytes);
                inputs.Flows.AddRange(cassette.Flows);
                inputs.Modes.AddRange(cassette.Modes);
            }
            catch (CassetteFormatException e)
            {
                errors.Add(e.Message);
            }
        }

        return inputs;
    }
}
