using System.Globalization;
using MitmFixture.Content;
using MitmFixture.Flows;

namespace MitmFixture.Cli.Output;

/// <summary>One labelled value of a connection, already escaped for a terminal.</summary>
internal sealed record ConnectionField(string Label, string Value);

/// <summary>A titled group of connection fields ("Client connection", "Server certificate" ...).</summary>
internal sealed record ConnectionSection(string Title, IReadOnlyList<ConnectionField> Fields);

/// <summary>
/// What a flow keeps of its client and server connections, as mitmproxy's console "Detail" tab
/// lists it (console/flowdetailview.py): addresses, TLS version, SNI, ALPN, cipher, the server's
/// certificate and the connection timestamps. Shared by the console's Connection tab and
/// <c>dump --flow-detail 2+</c>. Every value comes from the flow (a cassette, a client's SNI, a
/// server's certificate) and is escaped here, so neither output can be driven by it.
/// </summary>
internal static class ConnectionDetail
{
    public const string TimingTitle = "Timing";

    public static IReadOnlyList<ConnectionSection> Sections(Flow flow)
    {
        var sections = new List<ConnectionSection>
        {
            new("Client connection", Fields(
                ("Address", flow.Client.PeerAddress?.ToString()),
                ("Proxy address", flow.Client.LocalAddress?.ToString()),
                ("HTTP version", flow.Client.PeerAddress is null ? null : Version(flow.Request.HttpVersion, flow.Client.TlsEstablished)),
                ("TLS", flow.Client.TlsEstablished ? flow.Client.TlsVersion ?? "yes" : null),
                ("SNI", flow.Client.Sni),
                ("ALPN", flow.Client.Alpn),
                ("Cipher", flow.Client.Cipher))),
            new("Server connection", Fields(
                ("Address", flow.Server.Address),
                ("Resolved address", flow.Server.PeerAddress?.ToString()),
                ("HTTP version", flow.Server.PeerAddress is null || flow.Response is null ? null : Version(flow.Response.HttpVersion, flow.Server.TlsEstablished)),
                ("TLS", flow.Server.TlsEstablished ? flow.Server.TlsVersion ?? "yes" : null),
                ("SNI", flow.Server.Sni),
                ("ALPN", flow.Server.Alpn),
                ("Cipher", flow.Server.Cipher))),
        };
        if (flow.Server.Certificate is { } certificate)
        {
            sections.Add(new("Server certificate", Fields(
                ("Subject", certificate.Subject),
                ("Issuer", certificate.Issuer),
                ("Alt names", certificate.SubjectAlternativeNames.Count == 0 ? null : string.Join(", ", certificate.SubjectAlternativeNames)),
                ("Valid from", Time(certificate.NotBefore)),
                ("Valid to", Time(certificate.NotAfter)),
                ("SHA256 digest", certificate.Sha256))));
        }

        sections.Add(new(TimingTitle, Fields(
            ("Client conn. established", Time(flow.Client.TimestampStart)),
            ("Client conn. TLS setup", Time(flow.Client.TimestampTlsSetup)),
            ("Server conn. initiated", Time(flow.Server.TimestampStart)),
            ("Server conn. TCP setup", Time(flow.Server.TimestampTcpSetup)),
            ("Server conn. TLS setup", Time(flow.Server.TimestampTlsSetup)))));
        return sections;
    }

    /// <summary>
    /// What each side spoke, as mitmproxy's Detail tab shows the request's and the response's
    /// http_version; so a translated flow (h2 client, HTTP/1.1 server) reads as such. HTTP/2
    /// without TLS can only be h2c with prior knowledge (RFC 9113 §3.3), which is said, as there is no ALPN line.
    /// </summary>
    private static string Version(string httpVersion, bool tls) =>
        httpVersion == "HTTP/2.0" && !tls ? "HTTP/2.0 (h2c, prior knowledge)" : httpVersion;

    /// <summary>The fields that have a value; a plain-HTTP flow has no TLS lines rather than empty ones.</summary>
    private static List<ConnectionField> Fields(params (string Label, string? Value)[] fields) =>
        [.. fields.Where(f => !string.IsNullOrEmpty(f.Value)).Select(f => new ConnectionField(f.Label, DisplayText.Sanitize(f.Value!)))];

    private static string? Time(DateTimeOffset? time) =>
        time is { } value && value != default ? value.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss.fff 'UTC'", CultureInfo.InvariantCulture) : null;
}
