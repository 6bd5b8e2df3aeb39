using System.Buffers;
using System.Globalization;
using System.Text;

namespace MitmFixture.Http;

/// <summary>
/// A sans-IO HTTP/1.1 head parser (RFC 9112). It reads from a <see cref="SequenceReader{T}"/> and
/// returns false when the head is not complete yet; only the connection loop touches the pipe.
/// Requests are parsed strictly (bare LF, obs-fold and malformed names are rejected, the
/// smuggling vectors of RFC 9112 §11.2); responses leniently, as servers in the wild need.
/// </summary>
internal static class Http1Parser
{
    private static readonly Encoding Latin1 = Encoding.Latin1;

    [ThreadStatic]
    private static List<HeaderField>? t_parsedFields;

    /// <summary>Controls other than HTAB, and DEL: never in a field value.</summary>
    private static readonly SearchValues<byte> ControlBytes = SearchValues.Create(
        [0, 1, 2, 3, 4, 5, 6, 7, 8, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 127]);

    /// <summary>Parses a request head. On false, nothing was consumed and more bytes are needed.</summary>
    /// <exception cref="MalformedHttpException">The head violates the protocol or the limits.</exception>
    public static bool TryParseRequestHead(ref SequenceReader<byte> reader, HttpLimits limits, out HttpRequest? request)
    {
        request = null;
        var start = reader;

        // RFC 9112 §2.2: ignore at least one empty line before the request-line.
        while (reader.IsNext("\r\n"u8, advancePast: true))
        {
        }

        if (!TryReadLine(ref reader, strict: true, out var line))
        {
            CheckHeadSize(start.Remaining, limits);
            reader = start;
            return false;
        }

        var parsed = ParseRequestLine(line);
        if (!TryParseHeaders(ref reader, strict: true, limits, parsed.Headers))
        {
            CheckHeadSize(start.Remaining, limits);
            reader = start;
            return false;
        }

        CheckHeadSize(reader.Consumed - start.Consumed, limits);
        parsed.MaxDecodedBodyBytes = limits.MaxDecodedBodyBytes;
        request = parsed;
        return true;
    }

    /// <summary>Parses a response head. On false, nothing was consumed and more bytes are needed.</summary>
    public static bool TryParseResponseHead(ref SequenceReader<byte> reader, HttpLimits limits, out HttpResponse? response)
    {
        response = null;
        var start = reader;
        if (!TryReadLine(ref reader, strict: false, out var line))
        {
            CheckHeadSize(start.Remaining, limits);
            reader = start;
            return false;
        }

        var parsed = ParseStatusLine(line);
        if (!TryParseHeaders(ref reader, strict: false, limits, parsed.Headers))
        {
            CheckHeadSize(start.Remaining, limits);
            reader = start;
            return false;
        }

        CheckHeadSize(reader.Consumed - start.Consumed, limits);
        parsed.MaxDecodedBodyBytes = limits.MaxDecodedBodyBytes;
        response = parsed;
        return true;
    }

    /// <summary>Reads header lines up to the empty line into <paramref name="headers"/> (also used for chunked trailers).</summary>
    public static bool TryParseHeaders(ref SequenceReader<byte> reader, bool strict, HttpLimits limits, HttpHeaders headers)
    {
        // Collected first, then added at once: a list that grew field by field made two or three
        // arrays per head (bench/RESULTS.md, "Fewer copies per request"). No await in between, so one per thread serves.
        var parsed = t_parsedFields ??= new List<HeaderField>(32);
        try
        {
            return TryCollectFields(ref reader, strict, limits, headers, parsed);
        }
        finally
        {
            parsed.Clear(); // keeps no field of a refused head either
        }
    }

    private static bool TryCollectFields(ref SequenceReader<byte> reader, bool strict, HttpLimits limits, HttpHeaders headers, List<HeaderField> parsed)
    {
        while (true)
        {
            if (!TryReadLine(ref reader, strict, out var line))
            {
                return false;
            }

            if (line.Length == 0)
            {
                headers.AddParsed(parsed);
                return true;
            }

            if (line[0] is (byte)' ' or (byte)'\t')
            {
                ThrowHelper.Protocol(RejectionReason.ObsoleteLineFolding, "obsolete line folding in header");
            }

            if (headers.Count + parsed.Count >= limits.MaxHeaderCount)
            {
                ThrowHelper.Protocol(RejectionReason.TooManyHeaders, $"more than {limits.MaxHeaderCount} header fields");
            }

            var colon = line.IndexOf((byte)':');
            if (colon <= 0)
            {
                ThrowHelper.Protocol(RejectionReason.InvalidHeaderLine, "header line without a name and colon");
            }

            var name = line[..colon];
            if (name.ContainsAnyExcept(HttpSyntax.TokenBytes))
            {
                ThrowHelper.Protocol(RejectionReason.InvalidHeaderLine, "invalid character in header name");
            }

            var value = line[(colon + 1)..].Trim(" \t"u8);
            if (value.IndexOfAny(ControlBytes) is var bad and >= 0)
            {
                // RFC 9110 §5.5: field-vchar is VCHAR or obs-text; HTAB is the only control allowed.
                // Kestrel and nginx refuse the rest too (NUL, CR, LF, ESC, DEL).
                ThrowHelper.Protocol(RejectionReason.InvalidHeaderLine, $"control character 0x{value[bad]:x2} in the value of header '{Latin1.GetString(name)}'");
            }

            var fieldName = Http1FieldStrings.Name(name);
            parsed.Add(new HeaderField(fieldName, Http1FieldStrings.Value(fieldName, value)));
        }
    }

    private static void CheckHeadSize(long bytes, HttpLimits limits)
    {
        if (bytes > limits.MaxHeadBytes)
        {
            ThrowHelper.Protocol(RejectionReason.HeadersTooLarge, $"message head larger than {limits.MaxHeadBytes} bytes");
        }
    }

    /// <summary>Reads one line without its terminator. Strict mode requires CRLF (bare LF is refused).</summary>
    private static bool TryReadLine(ref SequenceReader<byte> reader, bool strict, out ReadOnlySpan<byte> line)
    {
        if (!reader.TryReadTo(out line, (byte)'\n'))
        {
            return false;
        }

        if (line.Length > 0 && line[^1] == (byte)'\r')
        {
            line = line[..^1];
        }
        else if (strict)
        {
            ThrowHelper.Protocol(RejectionReason.BareLineFeed, "line ends in a bare LF");
        }

        if (strict && line.IndexOf((byte)'\r') >= 0)
        {
            ThrowHelper.Protocol(RejectionReason.InvalidHeaderLine, "bare CR in message head");
        }

        return true;
    }

    private static HttpRequest ParseRequestLine(ReadOnlySpan<byte> line)
    {
        var firstSpace = line.IndexOf((byte)' ');
        var lastSpace = line.LastIndexOf((byte)' ');
        if (firstSpace <= 0 || lastSpace == firstSpace)
        {
            ThrowHelper.Protocol(RejectionReason.InvalidRequestLine, "malformed request line");
        }

        var method = line[..firstSpace];
        if (method.ContainsAnyExcept(HttpSyntax.TokenBytes))
        {
            ThrowHelper.Protocol(RejectionReason.InvalidRequestLine, "invalid character in method");
        }

        var target = line[(firstSpace + 1)..lastSpace];
        if (target.Length == 0)
        {
            ThrowHelper.Protocol(RejectionReason.InvalidRequestTarget, "empty request target");
        }

        foreach (var b in target)
        {
            if (b <= 0x20 || b == 0x7f)
            {
                ThrowHelper.Protocol(RejectionReason.InvalidRequestTarget, "invalid character in request target");
            }
        }

        var request = new HttpRequest
        {
            Method = MethodString(method),
            HttpVersion = ParseVersion(line[(lastSpace + 1)..], RejectionReason.InvalidRequestLine),
        };
        ApplyTarget(request, Latin1.GetString(target));
        return request;
    }

    private static void ApplyTarget(HttpRequest request, string target)
    {
        if (target[0] == '/')
        {
            request.TargetForm = RequestTargetForm.Origin;
            request.Path = target;
            return;
        }

        if (request.Method == "CONNECT")
        {
            if (!HostPort.TrySplit(target, out var host, out var port) || port is null || host.Length == 0)
            {
                ThrowHelper.Protocol(RejectionReason.InvalidConnectTarget, $"CONNECT target must be host:port, got '{target}'");
            }

            request.TargetForm = RequestTargetForm.Authority;
            request.Host = host;
            request.Port = port.Value;
            request.Scheme = port == 443 ? "https" : "http";
            request.Path = "";
            return;
        }

        if (target == "*")
        {
            request.TargetForm = RequestTargetForm.Asterisk;
            request.Path = "*";
            return;
        }

        var schemeEnd = target.IndexOf("://", StringComparison.Ordinal);
        if (schemeEnd <= 0)
        {
            ThrowHelper.Protocol(RejectionReason.InvalidRequestTarget, $"invalid request target '{Truncate(target)}'");
        }

        var scheme = target[..schemeEnd].ToLowerInvariant();
        if (scheme is not ("http" or "https" or "ws" or "wss"))
        {
            ThrowHelper.Protocol(RejectionReason.InvalidRequestTarget, $"unsupported scheme '{Truncate(scheme)}'");
        }

        var rest = target[(schemeEnd + 3)..];
        var pathStart = rest.IndexOfAny(['/', '?']);
        var authority = pathStart < 0 ? rest : rest[..pathStart];
        if (authority.Contains('@'))
        {
            // userinfo in a request target is deprecated (RFC 9110 §4.2.4) and a smuggling vector.
            ThrowHelper.Protocol(RejectionReason.InvalidRequestTarget, "userinfo in request target");
        }

        if (!HostPort.TrySplit(authority, out var h, out var p) || h.Length == 0)
        {
            ThrowHelper.Protocol(RejectionReason.InvalidRequestTarget, $"invalid authority '{Truncate(authority)}'");
        }

        request.TargetForm = RequestTargetForm.Absolute;
        request.Scheme = scheme is "wss" ? "https" : scheme is "ws" ? "http" : scheme;
        request.Host = h;
        request.Port = p ?? HttpRequest.DefaultPort(request.Scheme);
        request.Path = pathStart < 0 ? "/" : rest[pathStart] == '?' ? "/" + rest[pathStart..] : rest[pathStart..];
    }

    private static HttpResponse ParseStatusLine(ReadOnlySpan<byte> line)
    {
        var firstSpace = line.IndexOf((byte)' ');
        var versionBytes = firstSpace < 0 ? line : line[..firstSpace];
        var version = ParseVersion(versionBytes, RejectionReason.InvalidStatusLine);
        if (firstSpace < 0)
        {
            ThrowHelper.Protocol(RejectionReason.InvalidStatusLine, "status line without a status code");
        }

        var rest = line[(firstSpace + 1)..];
        var secondSpace = rest.IndexOf((byte)' ');
        var codeBytes = secondSpace < 0 ? rest : rest[..secondSpace];
        if (codeBytes.Length != 3 || !int.TryParse(codeBytes, NumberStyles.None, CultureInfo.InvariantCulture, out var code) || code < 100)
        {
            throw new MalformedHttpException(RejectionReason.InvalidStatusLine, "invalid status code");
        }

        return new HttpResponse
        {
            HttpVersion = version,
            StatusCode = code,
            Reason = secondSpace < 0 ? "" : Latin1.GetString(rest[(secondSpace + 1)..]),
        };
    }

    private static string ParseVersion(ReadOnlySpan<byte> version, RejectionReason reason)
    {
        if (version.SequenceEqual("HTTP/1.1"u8))
        {
            return "HTTP/1.1";
        }

        if (version.SequenceEqual("HTTP/1.0"u8))
        {
            return "HTTP/1.0";
        }

        if (version.Length == 8 && version.StartsWith("HTTP/"u8) && char.IsAsciiDigit((char)version[5]) && version[6] == '.' && char.IsAsciiDigit((char)version[7]))
        {
            ThrowHelper.Protocol(RejectionReason.UnsupportedHttpVersion, $"unsupported HTTP version {Latin1.GetString(version)}");
        }

        ThrowHelper.Protocol(reason, "malformed HTTP version");
        return "";
    }

    // Common methods are interned so the hot path does not allocate a string per request.
    private static string MethodString(ReadOnlySpan<byte> method) => method switch
    {
        _ when method.SequenceEqual("GET"u8) => "GET",
        _ when method.SequenceEqual("POST"u8) => "POST",
        _ when method.SequenceEqual("PUT"u8) => "PUT",
        _ when method.SequenceEqual("DELETE"u8) => "DELETE",
        _ when method.SequenceEqual("HEAD"u8) => "HEAD",
        _ when method.SequenceEqual("PATCH"u8) => "PATCH",
        _ when method.SequenceEqual("OPTIONS"u8) => "OPTIONS",
        _ when method.SequenceEqual("CONNECT"u8) => "CONNECT",
        _ => Latin1.GetString(method),
    };

    private static string Truncate(string text) => text.Length <= 64 ? text : text[..64] + "...";
}
