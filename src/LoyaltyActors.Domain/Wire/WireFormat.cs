using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using LoyaltyActors.Domain.Customers;
using NodaTime;
using NodaTime.Text;

namespace LoyaltyActors.Domain.Wire;

/// <summary>Limits and the deployment currency applied while reading wire-format v1 events.</summary>
public sealed record WireLimits(
    string Currency = "EUR",
    int MaxIdLength = 128,
    int MaxLines = 1000,
    int MaxQty = 1_000_000,
    decimal MaxUnitPrice = 10_000_000m,
    long MaxPoints = 1_000_000_000)
{
    public static WireLimits Default { get; } = new();
}

/// <summary>A wire event that could not be read: <see cref="Field"/> names the offending field.</summary>
/// <param name="EventId">The event's id when it could be read, so the caller can report per event.</param>
public sealed record WireError(string? EventId, string Field, string Message)
{
    public override string ToString() => Field.Length == 0 ? Message : $"{Field}: {Message}";
}

/// <summary>Either a command or the reason the event was refused.</summary>
public readonly record struct WireResult(CustomerCommand? Command, WireError? Error)
{
    public bool IsValid => Command is not null;
}

/// <summary>
/// Reads wire format v1 (DESIGN §2): one JSON object per event, snake_case fields, instants in ISO-8601
/// with an offset, money as JSON numbers read exactly as <see cref="decimal"/>. Unknown fields are ignored
/// so newer senders keep working; unknown types, missing ids, bad numbers and foreign currencies are refused.
/// </summary>
public static class WireFormat
{
    public const string Purchase = "purchase";
    public const string Return = "return";
    public const string View = "view";
    public const string Review = "review";
    public const string Redeem = "redeem";

    private static readonly IPattern<OffsetDateTime> OffsetPattern = OffsetDateTimePattern.ExtendedIso;

    /// <summary>
    /// An as-of reference: an ISO-8601 instant with offset, or a date meaning the last instant of that UTC day
    /// (so events of that day are included). Null when <paramref name="text"/> is neither.
    /// </summary>
    public static Instant? ParseAsOf(string text)
    {
        var instant = OffsetPattern.Parse(text);
        if (instant.Success) return instant.Value.ToInstant();
        var date = LocalDatePattern.Iso.Parse(text);
        return date.Success ? date.Value.PlusDays(1).AtMidnight().InUtc().ToInstant() - Duration.Epsilon : null;
    }

    public static WireResult Read(JsonElement element, WireLimits limits)
    {
        if (element.ValueKind != JsonValueKind.Object)
            return Fail(null, "", $"each event must be a JSON object, not {Describe(element.ValueKind)}");

        if (!TryId(element, "event_id"u8, limits, out var eventId, out var idError))
            return Fail(null, "event_id", idError);
        if (!element.TryGetProperty("type"u8, out var typeEl) || typeEl.ValueKind != JsonValueKind.String)
            return Fail(eventId, "type", "is required: one of purchase, return, view, review, redeem");
        // Compared as UTF-8: no string for the type of every event.
        var type = typeEl.ValueEquals("purchase"u8) ? Purchase
            : typeEl.ValueEquals("return"u8) ? Return
            : typeEl.ValueEquals("view"u8) ? View
            : typeEl.ValueEquals("review"u8) ? Review
            : typeEl.ValueEquals("redeem"u8) ? Redeem
            : typeEl.GetString()!;
        if (!TryId(element, "customer_id"u8, limits, out var customerId, out idError))
            return Fail(eventId, "customer_id", idError);
        if (!TryInstant(element, "occurred_at"u8, out var occurredAt, out var timeError))
            return Fail(eventId, "occurred_at", timeError);
        var channel = CatalogStrings.Share(OptionalString(element, "channel"u8) ?? "");

        switch (type)
        {
            case Purchase:
            case Return:
            {
                if (element.TryGetProperty("currency"u8, out var cur) && cur.ValueKind != JsonValueKind.Null)
                {
                    if (cur.ValueKind != JsonValueKind.String)
                        return Fail(eventId, "currency", "must be a string such as \"" + limits.Currency + "\"");
                    if (!cur.ValueEquals(limits.Currency) && !string.Equals(cur.GetString(), limits.Currency, StringComparison.OrdinalIgnoreCase))
                        return Fail(eventId, "currency",
                            $"'{cur.GetString()}' is not this deployment's currency ({limits.Currency})");
                }

                if (!TryId(element, "order_id"u8, limits, out var orderId, out idError))
                    return Fail(eventId, "order_id", idError);
                if (!element.TryGetProperty("lines"u8, out var linesEl) || linesEl.ValueKind != JsonValueKind.Array)
                    return Fail(eventId, "lines", "is required: an array of {sku, qty" + (type == Purchase ? ", unit_price" : "") + "}");
                var count = linesEl.GetArrayLength();
                if (count == 0) return Fail(eventId, "lines", "must hold at least one line");
                if (count > limits.MaxLines) return Fail(eventId, "lines", $"holds {count} lines; at most {limits.MaxLines} are allowed");

                return type == Purchase
                    ? ReadPurchase(eventId, customerId, occurredAt, orderId, channel, linesEl, limits)
                    : ReadReturn(eventId, customerId, occurredAt, orderId, channel, linesEl, limits);
            }

            case View:
            {
                if (!TryId(element, "sku"u8, limits, out var sku, out idError)) return Fail(eventId, "sku", idError);
                sku = CatalogStrings.Share(sku);
                var dwell = 0d;
                if (element.TryGetProperty("dwell_seconds"u8, out var d) && d.ValueKind != JsonValueKind.Null)
                {
                    if (d.ValueKind != JsonValueKind.Number || !d.TryGetDouble(out dwell) || !double.IsFinite(dwell) || dwell < 0 || dwell > 86_400)
                        return Fail(eventId, "dwell_seconds", "must be a number of seconds from 0 to 86400");
                }

                return new WireResult(new RecordView(eventId, customerId, occurredAt, sku, dwell), null);
            }

            case Review:
            {
                if (!TryId(element, "sku"u8, limits, out var sku, out idError)) return Fail(eventId, "sku", idError);
                sku = CatalogStrings.Share(sku);
                if (!element.TryGetProperty("rating"u8, out var r) || r.ValueKind != JsonValueKind.Number
                    || !r.TryGetInt32(out var rating) || rating is < 1 or > 5)
                    return Fail(eventId, "rating", "is required: a whole number from 1 to 5");
                return new WireResult(new RecordReview(eventId, customerId, occurredAt, sku, rating), null);
            }

            case Redeem:
            {
                if (!element.TryGetProperty("points"u8, out var p) || p.ValueKind != JsonValueKind.Number
                    || !p.TryGetInt64(out var points) || points <= 0 || points > limits.MaxPoints)
                    return Fail(eventId, "points", $"is required: a whole number of points from 1 to {limits.MaxPoints}");
                if (!TryId(element, "reward"u8, limits, out var reward, out idError)) return Fail(eventId, "reward", idError);
                return new WireResult(new RedeemPoints(eventId, customerId, occurredAt, points, reward), null);
            }

            default:
                return Fail(eventId, "type", $"unknown event type '{Truncate(type)}'; expected purchase, return, view, review or redeem");
        }
    }

    private static WireResult ReadPurchase(string eventId, string customerId, Instant at, string orderId, string channel,
        JsonElement linesEl, WireLimits limits)
    {
        var lines = new PurchaseLineInput[linesEl.GetArrayLength()];
        var i = 0;
        foreach (var line in linesEl.EnumerateArray())
        {
            if (line.ValueKind != JsonValueKind.Object) return Fail(eventId, Line(i, ""), "must be an object {sku, qty, unit_price}");
            if (!TryId(line, "sku"u8, limits, out var sku, out var err)) return Fail(eventId, Line(i, ".sku"), err);
            sku = CatalogStrings.Share(sku);
            if (!TryQty(line, limits, out var qty, out err)) return Fail(eventId, Line(i, ".qty"), err);
            if (!line.TryGetProperty("unit_price"u8, out var priceEl) || priceEl.ValueKind != JsonValueKind.Number
                || !priceEl.TryGetDecimal(out var price) || price < 0 || price > limits.MaxUnitPrice)
                return Fail(eventId, Line(i, ".unit_price"), $"is required: a number from 0 to {limits.MaxUnitPrice.ToString(CultureInfo.InvariantCulture)}");
            var category = OptionalString(line, "category"u8) ?? "";
            if (category.Length > limits.MaxIdLength) return Fail(eventId, Line(i, ".category"), $"is longer than {limits.MaxIdLength} characters");
            lines[i++] = new PurchaseLineInput(sku, CatalogStrings.Share(category), qty, price);
        }

        return new WireResult(new RecordPurchase(eventId, customerId, at, orderId, channel, lines), null);
    }

    private static WireResult ReadReturn(string eventId, string customerId, Instant at, string orderId, string channel,
        JsonElement linesEl, WireLimits limits)
    {
        var lines = new List<ReturnLineInput>(linesEl.GetArrayLength());
        var i = 0;
        foreach (var line in linesEl.EnumerateArray())
        {
            if (line.ValueKind != JsonValueKind.Object) return Fail(eventId, Line(i, ""), "must be an object {sku, qty}");
            if (!TryId(line, "sku"u8, limits, out var sku, out var err)) return Fail(eventId, Line(i, ".sku"), err);
            sku = CatalogStrings.Share(sku);
            if (!TryQty(line, limits, out var qty, out err)) return Fail(eventId, Line(i, ".qty"), err);
            lines.Add(new ReturnLineInput(sku, qty));
            i++;
        }

        return new WireResult(new RecordReturn(eventId, customerId, at, orderId, channel, lines), null);
    }

    /// <summary>The field name of line <paramref name="i"/>, made only for an error.</summary>
    private static string Line(int i, string field) => $"lines[{i}]{field}";

    private static bool TryQty(JsonElement line, WireLimits limits, out int qty, out string error)
    {
        qty = 0;
        error = "";
        if (!line.TryGetProperty("qty"u8, out var q) || q.ValueKind != JsonValueKind.Number)
        {
            error = $"is required: a whole number of units from 1 to {limits.MaxQty}";
            return false;
        }

        // The common case, a plain whole number, without a decimal.
        if (q.TryGetInt32(out var whole) && whole > 0 && whole <= limits.MaxQty)
        {
            qty = whole;
            return true;
        }

        if (!q.TryGetDecimal(out var value) || value != decimal.Truncate(value))
        {
            error = "must be a whole number of units";
            return false;
        }

        if (value <= 0)
        {
            error = $"must be positive, got {value.ToString(CultureInfo.InvariantCulture)} (send a return event to take units back)";
            return false;
        }

        if (value > limits.MaxQty)
        {
            error = $"is required: a whole number of units from 1 to {limits.MaxQty}";
            return false;
        }

        qty = (int)value;
        return true;
    }

    private static bool TryId(JsonElement element, ReadOnlySpan<byte> name, WireLimits limits, out string value, out string error)
    {
        value = "";
        error = "";
        if (!element.TryGetProperty(name, out var el) || el.ValueKind == JsonValueKind.Null)
        {
            error = "is required";
            return false;
        }

        if (el.ValueKind != JsonValueKind.String)
        {
            error = $"must be a string, not {Describe(el.ValueKind)}";
            return false;
        }

        value = el.GetString()!;
        if (string.IsNullOrWhiteSpace(value))
        {
            error = "must not be empty";
            return false;
        }

        if (value.Length > limits.MaxIdLength)
        {
            error = $"is longer than {limits.MaxIdLength} characters";
            return false;
        }

        foreach (var c in value)
        {
            if (char.IsControl(c))
            {
                error = "must not contain control characters";
                return false;
            }
        }

        return true;
    }

    private static bool TryInstant(JsonElement element, ReadOnlySpan<byte> name, out Instant value, out string error)
    {
        value = default;
        error = "";
        if (!element.TryGetProperty(name, out var el) || el.ValueKind != JsonValueKind.String)
        {
            error = "is required: an ISO-8601 instant with offset, e.g. 2026-11-20T10:15:00Z";
            return false;
        }

        // The raw value between its quotes; one with an escape goes the long way.
        var raw = JsonMarshal.GetRawUtf8Value(el);
        if (raw.Length >= 2 && raw.IndexOf((byte)'\\') < 0 && IsoInstantParser.TryParseUtc(raw[1..^1], out value)) return true;
        var text = el.GetString()!;
        var parsed = OffsetPattern.Parse(text);
        if (!parsed.Success)
        {
            error = $"'{Truncate(text)}' is not an ISO-8601 instant with offset, e.g. 2026-11-20T10:15:00Z";
            return false;
        }

        value = parsed.Value.ToInstant();
        return true;
    }

    private static string? OptionalString(JsonElement element, ReadOnlySpan<byte> name) =>
        element.TryGetProperty(name, out var el) && el.ValueKind == JsonValueKind.String ? el.GetString() : null;

    private static WireResult Fail(string? eventId, string field, string message) =>
        new(null, new WireError(eventId, field, message));

    private static string Truncate(string s) => s.Length <= 40 ? s : s[..40] + "…";

    private static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Array => "an array",
        JsonValueKind.Object => "an object",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Null => "null",
        _ => "nothing",
    };
}
