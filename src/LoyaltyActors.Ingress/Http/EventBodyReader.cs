using System.Text;
using System.Text.Json;
using LoyaltyActors.Domain.Wire;

namespace LoyaltyActors.Ingress.Http;

/// <summary>How the body of <c>POST /v1/events</c> was shaped.</summary>
public enum BodyShape
{
    SingleObject,
    Batch,
}

/// <summary>The media types <c>POST /v1/events</c> reads.</summary>
public enum BodyKind
{
    Json,
    Ndjson,
}

/// <summary>A parsed body: one wire result per event, or why the body as a whole is unreadable.</summary>
public sealed record ParsedBody(BodyShape Shape, IReadOnlyList<WireResult> Events, string? Unparsable, bool TooLarge = false);

/// <summary>
/// Reads a body holding one event object, a JSON array of events, or NDJSON (one event per line).
/// A bad element of a batch becomes a rejection of that element only; the rest go through.
/// </summary>
public static class EventBodyReader
{
    private static readonly JsonDocumentOptions DocumentOptions = new() { MaxDepth = 16 };
    private static readonly UTF8Encoding StrictUtf8 = new(false, true);

    /// <summary>
    /// <c>application/json</c> (and <c>+json</c> types) or no Content-Type at all read as JSON;
    /// <c>application/x-ndjson</c>, <c>application/ndjson</c> and <c>application/jsonl</c> as NDJSON; anything else is null (415).
    /// </summary>
    public static BodyKind? KindOf(string? contentType)
    {
        if (string.IsNullOrWhiteSpace(contentType)) return BodyKind.Json;
        var semicolon = contentType.IndexOf(';');
        var media = (semicolon < 0 ? contentType : contentType[..semicolon]).Trim().ToLowerInvariant();
        return media switch
        {
            "application/json" => BodyKind.Json,
            "application/x-ndjson" or "application/ndjson" or "application/jsonl" or "application/x-jsonlines" => BodyKind.Ndjson,
            _ when media.StartsWith("application/", StringComparison.Ordinal) && media.EndsWith("+json", StringComparison.Ordinal) => BodyKind.Json,
            _ => null,
        };
    }

    public static ParsedBody Read(ReadOnlyMemory<byte> body, bool ndjson, WireLimits limits, int maxEvents)
    {
        if (!IsValidUtf8(body.Span)) return Unparsable("the body is not valid UTF-8");
        return ndjson ? ReadNdjson(body, limits, maxEvents) : ReadJson(body, limits, maxEvents);
    }

    private static ParsedBody ReadJson(ReadOnlyMemory<byte> body, WireLimits limits, int maxEvents)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(body, DocumentOptions);
        }
        catch (JsonException ex)
        {
            return Unparsable("the body is not valid JSON: " + ex.Message);
        }

        using (doc)
        {
            var root = doc.RootElement;
            switch (root.ValueKind)
            {
                case JsonValueKind.Object:
                    return new ParsedBody(BodyShape.SingleObject, [WireFormat.Read(root, limits)], null);
                case JsonValueKind.Array:
                    var count = root.GetArrayLength();
                    if (count > maxEvents) return TooMany(count, maxEvents);
                    var events = new List<WireResult>(count);
                    foreach (var element in root.EnumerateArray()) events.Add(WireFormat.Read(element, limits));
                    return new ParsedBody(BodyShape.Batch, events, null);
                default:
                    return Unparsable("the body must be an event object, an array of events, or NDJSON");
            }
        }
    }

    private static ParsedBody ReadNdjson(ReadOnlyMemory<byte> body, WireLimits limits, int maxEvents)
    {
        var events = new List<WireResult>();
        var span = body;
        var lineNo = 0;
        while (span.Length > 0)
        {
            var newline = span.Span.IndexOf((byte)'\n');
            var line = newline < 0 ? span : span[..newline];
            span = newline < 0 ? ReadOnlyMemory<byte>.Empty : span[(newline + 1)..];
            lineNo++;
            if (IsBlank(line.Span)) continue;
            if (events.Count >= maxEvents) return TooMany(events.Count + 1, maxEvents);
            events.Add(ReadLine(line, lineNo, limits));
        }

        if (events.Count == 0) return Unparsable("the NDJSON body holds no event");
        return new ParsedBody(BodyShape.Batch, events, null);
    }

    /// <summary>Reads one NDJSON/TCP line; invalid JSON becomes a rejection naming the line.</summary>
    public static WireResult ReadLine(ReadOnlyMemory<byte> line, int lineNo, WireLimits limits)
    {
        try
        {
            using var doc = JsonDocument.Parse(line, DocumentOptions);
            return WireFormat.Read(doc.RootElement, limits);
        }
        catch (JsonException ex)
        {
            return new WireResult(null, new WireError(null, "", $"line {lineNo} is not valid JSON: {ex.Message}"));
        }
    }

    private static bool IsBlank(ReadOnlySpan<byte> line)
    {
        foreach (var b in line)
            if (b is not ((byte)' ' or (byte)'\t' or (byte)'\r'))
                return false;
        return true;
    }

    private static bool IsValidUtf8(ReadOnlySpan<byte> bytes)
    {
        try
        {
            StrictUtf8.GetCharCount(bytes);
            return true;
        }
        catch (DecoderFallbackException)
        {
            return false;
        }
    }

    private static ParsedBody Unparsable(string reason) => new(BodyShape.Batch, [], reason);

    private static ParsedBody TooMany(int count, int max) =>
        new(BodyShape.Batch, [], $"the body holds {count} or more events; at most {max} are accepted per request", TooLarge: true);
}
