using System.Buffers;
using System.Globalization;
using System.Text;
using MitmFixture.Flows;
using MitmFixture.Http;

namespace MitmFixture.Filters;

/// <summary>The strings mitmproxy's filters search, built from the flow model.</summary>
internal static class FlowText
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>
    /// mitmproxy's <c>request.pretty_url</c>: the URL with the Host header's host and port, or
    /// <c>host:port</c> for an authority-form (CONNECT) request.
    /// </summary>
    public static string PrettyUrl(HttpRequest request)
    {
        if (request.TargetForm == RequestTargetForm.Authority)
        {
            return Display(request.Host) + ":" + request.Port.ToString(CultureInfo.InvariantCulture);
        }

        var hostHeader = FirstHost(request.Headers);
        if (string.IsNullOrEmpty(hostHeader))
        {
            return Display(request.Url);
        }

        if (!HostPort.TrySplit(hostHeader, out var host, out var port))
        {
            host = hostHeader;
            port = null;
        }

        var effectivePort = port ?? HttpRequest.DefaultPort(request.Scheme);
        var authority = host.Contains(':', StringComparison.Ordinal) ? $"[{host}]" : host;
        if (!HttpRequest.IsDefaultPort(request.Scheme, effectivePort))
        {
            authority += ":" + effectivePort.ToString(CultureInfo.InvariantCulture);
        }

        return Display($"{request.Scheme}://{authority}{request.Path}");
    }

    /// <summary>mitmproxy's <c>request.pretty_host</c>: the Host header's host, else the target host.</summary>
    public static string PrettyHost(HttpRequest request)
    {
        var hostHeader = FirstHost(request.Headers);
        if (string.IsNullOrEmpty(hostHeader))
        {
            return Display(request.Host);
        }

        return Display(HostPort.TrySplit(hostHeader, out var host, out _) ? host : hostHeader);
    }

    /// <summary>
    /// Searches mitmproxy's <c>bytes(headers)</c>: <c>Name: value\r\n</c> per field, in wire order and
    /// case, built in a pooled buffer because header filters run on every flow.
    /// </summary>
    public static bool SearchHeaderBlock(FilterRegex regex, HttpHeaders headers)
    {
        var length = 0;
        foreach (var field in headers)
        {
            length += field.Name.Length + field.Value.Length + 4;
        }

        char[]? rented = null;
        var buffer = length <= 1024 ? stackalloc char[length] : (rented = ArrayPool<char>.Shared.Rent(length));
        try
        {
            var written = 0;
            foreach (var field in headers)
            {
                field.Name.CopyTo(buffer[written..]);
                written += field.Name.Length;
                ": ".CopyTo(buffer[written..]);
                written += 2;
                field.Value.CopyTo(buffer[written..]);
                written += field.Value.Length;
                "\r\n".CopyTo(buffer[written..]);
                written += 2;
            }

            return regex.IsMatch(buffer[..written]);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<char>.Shared.Return(rented);
            }
        }
    }

    /// <summary><c>f"{peername[0]}:{peername[1]}"</c> of the client connection; null when unknown.</summary>
    public static string? SourceAddress(Flow flow) =>
        flow.Client.PeerAddress is { } peer
            ? peer.Address.ToString() + ":" + peer.Port.ToString(CultureInfo.InvariantCulture)
            : null;

    /// <summary>
    /// <c>f"{address[0]}:{address[1]}"</c> of the server connection: the host as dialled, IPv6 without
    /// brackets as Python prints the tuple; null when no server was chosen yet.
    /// </summary>
    public static string? DestinationAddress(Flow flow)
    {
        var address = flow.Server.Address;
        if (string.IsNullOrEmpty(address))
        {
            return null;
        }

        return HostPort.TrySplit(address, out var host, out var port) && port is { } p
            ? host + ":" + p.ToString(CultureInfo.InvariantCulture)
            : address;
    }

    /// <summary>mitmproxy's <c>"\n".join(f"{key}: {value}" for key, value in f.metadata.items())</c>.</summary>
    public static string Metadata(Flow flow)
    {
        if (!flow.HasMetadata)
        {
            return "";
        }

        var builder = new StringBuilder();
        foreach (var (key, value) in flow.Metadata)
        {
            if (builder.Length > 0)
            {
                builder.Append('\n');
            }

            builder.Append(key).Append(": ");
            PythonRepr.AppendStr(builder, value);
        }

        return builder.ToString();
    }

    /// <summary>
    /// Strings from the wire hold one char per byte (the HTTP parser decodes Latin-1); mitmproxy shows
    /// them as UTF-8. Text operators (~u, ~d) search that readable form, so a pattern with <c>é</c>
    /// finds a UTF-8 path or Host. Non-UTF-8 bytes are left as they are.
    /// </summary>
    internal static string Display(string wire)
    {
        if (Ascii.IsValid(wire))
        {
            return wire;
        }

        foreach (var c in wire)
        {
            if (c > '\u00FF')
            {
                return wire;
            }
        }

        try
        {
            return StrictUtf8.GetString(Encoding.Latin1.GetBytes(wire));
        }
        catch (DecoderFallbackException)
        {
            return wire;
        }
    }

    private static string? FirstHost(HttpHeaders headers)
    {
        foreach (var field in headers)
        {
            if (field.Name.Equals("Host", StringComparison.OrdinalIgnoreCase))
            {
                return field.Value;
            }
        }

        return null;
    }
}
