using System.Text;
using MitmFixture.Flows;
using MitmFixture.Http;

namespace MitmFixture.Cassettes;

/// <summary>
/// A recording: flows in the order they happened, stored as one indented JSON file with a format
/// version. Load one to replay it; save flows to make one (atomically: a temp file, then a rename).
/// </summary>
public sealed class Cassette
{
    /// <summary>The format version this build writes; older versions are migrated on load, newer refused.</summary>
    public const int CurrentVersion = 4;

    private Cassette(string? path, IReadOnlyList<Flow> flows, IReadOnlyList<string?> modes)
    {
        Path = path;
        Flows = flows;
        Modes = modes;
    }

    /// <summary>Where it was loaded from; null for one built in memory.</summary>
    public string? Path { get; }

    /// <summary>The recorded flows, in recording order.</summary>
    public IReadOnlyList<Flow> Flows { get; }

    /// <summary>The proxy mode each flow was recorded in (same order as <see cref="Flows"/>).</summary>
    public IReadOnlyList<string?> Modes { get; }

    /// <summary>A cassette of the current format version holding <paramref name="flows"/>.</summary>
    public static Cassette FromFlows(IEnumerable<Flow> flows, string? mode = null)
    {
        var list = flows.ToList();
        return new Cassette(null, list, list.Select(_ => mode).ToList());
    }

    /// <summary>Reads a cassette; a broken or foreign file throws a <see cref="CassetteFormatException"/> naming the file, line, JSON path and what was expected.</summary>
    public static Cassette Load(string path) => Load(path, HttpLimits.DefaultMaxDecodedBodyBytes);

    /// <summary>
    /// Reads a cassette as <see cref="Load(string)"/> does, its messages decoding within
    /// <paramref name="maxDecodedBodyBytes"/> (the proxy's <c>decode_limit</c>), so a recorded body is
    /// decoded, or kept encoded, exactly as the same body arriving live is: replay matching compares the two.
    /// </summary>
    public static Cassette Load(string path, long maxDecodedBodyBytes) => Load(path, maxDecodedBodyBytes, check: null);

    /// <summary>
    /// Reads a cassette as <see cref="Load(string, long)"/> does, then gives each flow to
    /// <paramref name="check"/> with its JSON path (<c>$.flows[3]</c>): a <see cref="CassetteFormatException"/>
    /// it throws at a path under that one is placed in the file (line) like any other.
    /// </summary>
    internal static Cassette Load(string path, long maxDecodedBodyBytes, Action<Flow, string>? check)
    {
        byte[] bytes;
        try
        {
            bytes = InputFile.ReadJson(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CassetteFormatException(path, $"cannot read the cassette: {e.Message}", e);
        }

        var file = CassetteSerializer.Deserialize(bytes, path);
        try
        {
            // A cassette is untrusted input (it arrives in a pull request): checked as a request from the network would be.
            CassetteValidator.Validate(file);
            var flows = new List<Flow>(file.Flows.Count);
            var modes = new List<string?>(file.Flows.Count);
            for (var i = 0; i < file.Flows.Count; i++)
            {
                var flow = FlowMapper.ToFlow(file.Flows[i], $"$.flows[{i}]");
                check?.Invoke(flow, $"$.flows[{i}]");
                flow.Request.MaxDecodedBodyBytes = maxDecodedBodyBytes;
                flow.Response?.MaxDecodedBodyBytes = maxDecodedBodyBytes;
                flows.Add(flow);
                modes.Add(file.Flows[i].Mode);
            }

            return new Cassette(path, flows, modes);
        }
        catch (CassetteFormatException e)
        {
            throw CassetteFormatException.InFile(e, path, bytes);
        }
    }

    /// <summary>Writes the flows to <paramref name="path"/> atomically, redacting secrets unless <paramref name="redactor"/> says otherwise.</summary>
    public static void Save(string path, IEnumerable<Flow> flows, Redactor? redactor = null, string? mode = null) =>
        Save(path, flows, _ => mode, redactor);

    /// <summary>
    /// Writes flows each with the mode it was recorded in (<paramref name="modes"/>, in the same
    /// order): a cassette rewritten in place (redact, prune, convert, a drift update) keeps what it
    /// had. A null <paramref name="redactor"/> is the default redaction.
    /// </summary>
    public static void SaveWithModes(string path, IEnumerable<Flow> flows, IReadOnlyList<string?> modes, Redactor? redactor) =>
        Save(path, flows, i => i < modes.Count ? modes[i] : null, redactor);

    private static void Save(string path, IEnumerable<Flow> flows, Func<int, string?> modeOf, Redactor? redactor)
    {
        redactor ??= Redactor.Default;
        var fragments = redactor.Redact(flows).Select((f, i) => CassetteSerializer.SerializeFlow(FlowMapper.ToRecord(f, modeOf(i)))).ToList();
        AtomicFile.Write(path, stream => CassetteSerializer.WriteComposed(stream, fragments));
    }

    /// <summary>The cassette as it would be written, for snapshot comparisons.</summary>
    public static string ToJson(IEnumerable<Flow> flows, Redactor? redactor = null, string? mode = null)
    {
        redactor ??= Redactor.Default;
        var fragments = redactor.Redact(flows).Select(f => CassetteSerializer.SerializeFlow(FlowMapper.ToRecord(f, mode))).ToList();
        return Encoding.UTF8.GetString(CassetteSerializer.Compose(fragments));
    }
}
