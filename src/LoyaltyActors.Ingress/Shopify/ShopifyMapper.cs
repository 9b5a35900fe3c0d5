using System.Buffers;
using System.Globalization;
using System.Text.Json;
using LoyaltyActors.Domain.Wire;

namespace LoyaltyActors.Ingress.Shopify;

/// <summary>A Shopify order as the engine keeps it: who bought it and the SKU each line item was mapped to.</summary>
public sealed record ShopifyOrderRef(string OrderId, string CustomerId, IReadOnlyDictionary<string, string> SkuByLineItem);

/// <summary>The wire event a webhook body became, or why it could not become one.</summary>
/// <param name="UnknownOrder">A refund of an order this engine never received.</param>
public sealed record ShopifyMapped(WireResult Event, string? EventId, ShopifyOrderRef? Order = null, bool UnknownOrder = false);

/// <summary>
/// Maps Shopify's Order and Refund resources (REST webhook bodies of <c>orders/create</c> and <c>refunds/create</c>)
/// to wire-format v1 events, which <see cref="WireFormat.Read"/> then validates like any other source's.
/// 64-bit ids are taken from the JSON text, never through a double; prices are decimal strings read exactly.
/// Event ids derive from Shopify's ids, so a retried delivery is a duplicate.
/// </summary>
public static class ShopifyMapper
{
    /// <summary>The customer id guest orders (no <c>customer</c>) are recorded under, so they are kept and countable.</summary>
    public const string GuestCustomerId = "shopify-guest";

    public const string Channel = "shopify";

    public static string OrderEventId(string orderId) => "shopify-order-" + orderId;

    public static string RefundEventId(string refundId) => "shopify-refund-" + refundId;

    public static ShopifyMapped MapOrder(JsonElement order, WireLimits limits)
    {
        if (order.ValueKind != JsonValueKind.Object) return Fail(null, "", "an order must be a JSON object");
        if (IdText(order, "id") is not { } orderId) return Fail(null, "id", "the order has no numeric id");
        var eventId = OrderEventId(orderId);
        var customerId = order.TryGetProperty("customer", out var customer) && customer.ValueKind == JsonValueKind.Object
            ? IdText(customer, "id") ?? GuestCustomerId
            : GuestCustomerId;
        if (!order.TryGetProperty("line_items", out var items) || items.ValueKind != JsonValueKind.Array)
            return Fail(eventId, "line_items", "is required: the order's line items");

        var skus = new Dictionary<string, string>(StringComparer.Ordinal);
        var buffer = new ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("event_id", eventId);
            w.WriteString("type", WireFormat.Purchase);
            w.WriteString("customer_id", customerId);
            CopyString(order, "created_at", "occurred_at", w);
            w.WriteString("order_id", orderId);
            w.WriteString("channel", Channel);
            CopyString(order, "currency", "currency", w);
            w.WriteStartArray("lines");
            var index = 0;
            foreach (var item in items.EnumerateArray())
            {
                var prefix = $"line_items[{index++}]";
                if (item.ValueKind != JsonValueKind.Object) return Fail(eventId, prefix, "must be an object");
                if (!item.TryGetProperty("quantity", out var q) || q.ValueKind != JsonValueKind.Number || !q.TryGetInt32(out var qty) || qty < 0)
                    return Fail(eventId, prefix + ".quantity", "is required: a whole number of units");
                if (qty == 0) continue; // removed from the order: nothing was bought
                if (SkuOf(item) is not { } sku) return Fail(eventId, prefix + ".sku", "has no sku, variant_id or product_id");
                if (DecimalText(item, "price") is not { } price) return Fail(eventId, prefix + ".price", "is required: a decimal string such as \"19.99\"");
                if (IdText(item, "id") is { } lineItemId) skus[lineItemId] = sku;
                w.WriteStartObject();
                w.WriteString("sku", sku);
                w.WriteNumber("qty", qty);
                w.WriteNumber("unit_price", price);
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }

        return new ShopifyMapped(Read(buffer, limits), eventId, new ShopifyOrderRef(orderId, customerId, skus));
    }

    /// <param name="findOrder">The order a refund belongs to, as recorded when its <c>orders/create</c> arrived.</param>
    public static ShopifyMapped MapRefund(JsonElement refund, WireLimits limits, Func<string, ShopifyOrderRef?> findOrder)
    {
        if (refund.ValueKind != JsonValueKind.Object) return Fail(null, "", "a refund must be a JSON object");
        if (IdText(refund, "id") is not { } refundId) return Fail(null, "id", "the refund has no numeric id");
        var eventId = RefundEventId(refundId);
        if (IdText(refund, "order_id") is not { } orderId) return Fail(eventId, "order_id", "the refund has no numeric order_id");
        if (findOrder(orderId) is not { } order)
            return Fail(eventId, "order_id", $"order {orderId} was never received through orders/create, so its customer is unknown") with { UnknownOrder = true };
        if (!refund.TryGetProperty("refund_line_items", out var items) || items.ValueKind != JsonValueKind.Array || items.GetArrayLength() == 0)
            return Fail(eventId, "refund_line_items", "holds no line items (a refund of shipping or an amount only changes no purchase)");

        var buffer = new ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("event_id", eventId);
            w.WriteString("type", WireFormat.Return);
            w.WriteString("customer_id", order.CustomerId);
            CopyString(refund, "created_at", "occurred_at", w);
            w.WriteString("order_id", orderId);
            w.WriteString("channel", Channel);
            w.WriteStartArray("lines");
            var index = 0;
            foreach (var item in items.EnumerateArray())
            {
                var prefix = $"refund_line_items[{index++}]";
                if (item.ValueKind != JsonValueKind.Object) return Fail(eventId, prefix, "must be an object");
                if (!item.TryGetProperty("quantity", out var q) || q.ValueKind != JsonValueKind.Number || !q.TryGetInt32(out var qty) || qty < 0)
                    return Fail(eventId, prefix + ".quantity", "is required: a whole number of units");
                if (qty == 0) continue;
                var sku = item.TryGetProperty("line_item", out var lineItem) && lineItem.ValueKind == JsonValueKind.Object ? SkuOf(lineItem) : null;
                if (sku is null && IdText(item, "line_item_id") is { } lineItemId) order.SkuByLineItem.TryGetValue(lineItemId, out sku);
                if (sku is null) return Fail(eventId, prefix + ".line_item", "names no line item of the order");
                w.WriteStartObject();
                w.WriteString("sku", sku);
                w.WriteNumber("qty", qty);
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }

        return new ShopifyMapped(Read(buffer, limits), eventId);
    }

    /// <summary>The line's SKU, else <c>variant-ID</c>, else <c>product-ID</c>: the same for the order and its refunds.</summary>
    internal static string? SkuOf(JsonElement item)
    {
        if (item.TryGetProperty("sku", out var sku) && sku.ValueKind == JsonValueKind.String && !string.IsNullOrWhiteSpace(sku.GetString()))
            return sku.GetString()!.Trim();
        if (IdText(item, "variant_id") is { } variant) return "variant-" + variant;
        if (IdText(item, "product_id") is { } product) return "product-" + product;
        return null;
    }

    /// <summary>A Shopify id (a JSON number or a string of digits) as its decimal text, exactly.</summary>
    internal static string? IdText(JsonElement element, string name)
    {
        if (!element.TryGetProperty(name, out var value)) return null;
        var text = value.ValueKind switch
        {
            JsonValueKind.Number => value.GetRawText(),
            JsonValueKind.String => value.GetString(),
            _ => null,
        };
        if (string.IsNullOrEmpty(text) || text.Length > 20) return null;
        foreach (var c in text)
            if (c is < '0' or > '9')
                return null;
        return text;
    }

    private static decimal? DecimalText(JsonElement element, string name)
    {
        if (!element.TryGetProperty(name, out var value)) return null;
        var text = value.ValueKind switch
        {
            JsonValueKind.String => value.GetString(),
            JsonValueKind.Number => value.GetRawText(),
            _ => null,
        };
        return decimal.TryParse(text, NumberStyles.AllowDecimalPoint | NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var d) ? d : null;
    }

    private static void CopyString(JsonElement from, string name, string to, Utf8JsonWriter w)
    {
        if (from.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String) w.WriteString(to, value.GetString());
    }

    private static WireResult Read(ArrayBufferWriter<byte> json, WireLimits limits)
    {
        using var doc = JsonDocument.Parse(json.WrittenMemory);
        return WireFormat.Read(doc.RootElement, limits);
    }

    private static ShopifyMapped Fail(string? eventId, string field, string message) =>
        new(new WireResult(null, new WireError(eventId, field, message)), eventId);
}
