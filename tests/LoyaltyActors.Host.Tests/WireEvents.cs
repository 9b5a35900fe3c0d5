using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Xunit;

namespace LoyaltyActors.Host.Tests;

/// <summary>One purchase line as sent on the wire.</summary>
public sealed record SentLine(string Sku, string Category, int Qty, decimal UnitPrice);

/// <summary>Wire-format v1 event bodies (CONTRACT, DESIGN §2), built as mutable JSON so tests can break them.</summary>
public static class WireEvents
{
    public static JsonObject Purchase(string eventId, string customerId, string occurredAt, string orderId, params SentLine[] lines) => new()
    {
        ["event_id"] = eventId,
        ["type"] = "purchase",
        ["customer_id"] = customerId,
        ["occurred_at"] = occurredAt,
        ["order_id"] = orderId,
        ["currency"] = "EUR",
        ["channel"] = "web",
        ["lines"] = new JsonArray(lines.Select(l => (JsonNode)new JsonObject
        {
            ["sku"] = l.Sku,
            ["category"] = l.Category,
            ["qty"] = l.Qty,
            ["unit_price"] = l.UnitPrice,
        }).ToArray()),
    };

    public static JsonObject Return(string eventId, string customerId, string occurredAt, string orderId, params (string Sku, int Qty)[] lines) => new()
    {
        ["event_id"] = eventId,
        ["type"] = "return",
        ["customer_id"] = customerId,
        ["occurred_at"] = occurredAt,
        ["order_id"] = orderId,
        ["lines"] = new JsonArray(lines.Select(l => (JsonNode)new JsonObject { ["sku"] = l.Sku, ["qty"] = l.Qty }).ToArray()),
    };

    public static JsonObject View(string eventId, string customerId, string occurredAt, string sku, double dwellSeconds) => new()
    {
        ["event_id"] = eventId,
        ["type"] = "view",
        ["customer_id"] = customerId,
        ["occurred_at"] = occurredAt,
        ["sku"] = sku,
        ["dwell_seconds"] = dwellSeconds,
    };

    public static JsonObject Redeem(string eventId, string customerId, string occurredAt, long points, string reward) => new()
    {
        ["event_id"] = eventId,
        ["type"] = "redeem",
        ["customer_id"] = customerId,
        ["occurred_at"] = occurredAt,
        ["points"] = points,
        ["reward"] = reward,
    };

    public static StringContent Json(JsonNode body) => new(body.ToJsonString(), Encoding.UTF8, "application/json");

    public static StringContent Batch(IEnumerable<JsonNode> events) =>
        Json(new JsonArray(events.Select(e => e.DeepClone()).ToArray()));

    public static StringContent Ndjson(IEnumerable<string> lines) =>
        new(string.Join('\n', lines) + "\n", Encoding.UTF8, "application/x-ndjson");
}

/// <summary>The parsed answer of <c>POST /v1/events</c>.</summary>
public sealed record IngestAnswer(HttpStatusCode Status, string? MediaType, JsonElement Body)
{
    public int Accepted => Body.GetProperty("accepted").GetInt32();
    public int Duplicates => Body.GetProperty("duplicates").GetInt32();
    public int Rejected => Body.GetProperty("rejected").GetInt32();

    public IReadOnlyList<(string? EventId, string Status, string? Error)> Results =>
        Body.GetProperty("results").EnumerateArray()
            .Select(r => (
                r.TryGetProperty("event_id", out var id) && id.ValueKind == JsonValueKind.String ? id.GetString() : null,
                r.GetProperty("status").GetString()!,
                r.TryGetProperty("error", out var err) && err.ValueKind == JsonValueKind.String ? err.GetString() : null))
            .ToList();
}

/// <summary>HTTP calls against a <see cref="LoyaltyHostProcess"/> whose failures carry the body and the host's log.</summary>
public static class LoyaltyApi
{
    public static async Task<IngestAnswer> PostEventsAsync(this LoyaltyHostProcess host, HttpContent content)
    {
        using var response = await host.Http.PostAsync("v1/events", content);
        return new IngestAnswer(response.StatusCode, response.Content.Headers.ContentType?.MediaType, await ReadJsonAsync(host, response));
    }

    public static Task<IngestAnswer> PostEventAsync(this LoyaltyHostProcess host, JsonNode evt) => host.PostEventsAsync(WireEvents.Json(evt));

    public static Task<IngestAnswer> PostBatchAsync(this LoyaltyHostProcess host, IEnumerable<JsonNode> events) =>
        host.PostEventsAsync(WireEvents.Batch(events));

    /// <summary>Posts and asserts 200 with every event accepted.</summary>
    public static async Task PostAcceptedAsync(this LoyaltyHostProcess host, IReadOnlyCollection<JsonNode> events)
    {
        var answer = await host.PostBatchAsync(events);
        host.AssertStatus(HttpStatusCode.OK, answer.Status, answer.Body);
        Assert.Equal(events.Count, answer.Accepted);
    }

    /// <summary>The profile body as raw text, asserting 200.</summary>
    public static async Task<string> GetProfileTextAsync(this LoyaltyHostProcess host, string customerId, string? asOf = null)
    {
        var uri = $"v1/customers/{Uri.EscapeDataString(customerId)}" + (asOf is null ? "" : $"?as_of={Uri.EscapeDataString(asOf)}");
        using var response = await host.Http.GetAsync(uri);
        var text = await response.Content.ReadAsStringAsync();
        host.AssertStatus(HttpStatusCode.OK, response.StatusCode, text);
        return text;
    }

    public static async Task<JsonElement> GetProfileAsync(this LoyaltyHostProcess host, string customerId, string? asOf = null) =>
        JsonDocument.Parse(await host.GetProfileTextAsync(customerId, asOf)).RootElement.Clone();

    public static async Task<HttpStatusCode> GetProfileStatusAsync(this LoyaltyHostProcess host, string customerId)
    {
        using var response = await host.Http.GetAsync($"v1/customers/{Uri.EscapeDataString(customerId)}");
        return response.StatusCode;
    }

    public static async Task<string> GetSummaryTextAsync(this LoyaltyHostProcess host, string customerId, string asOfDate)
    {
        using var response = await host.Http.GetAsync(
            $"v1/customers/{Uri.EscapeDataString(customerId)}/summary?as_of={asOfDate}&freq=D&freq_multiplier=1");
        var text = await response.Content.ReadAsStringAsync();
        host.AssertStatus(HttpStatusCode.OK, response.StatusCode, text);
        return text;
    }

    public static void AssertStatus(this LoyaltyHostProcess host, HttpStatusCode expected, HttpStatusCode actual, object body)
    {
        if (expected != actual)
            Assert.Fail($"expected HTTP {(int)expected}, got {(int)actual}: {body}\n--- host log ---\n{host.Log}");
    }

    public static async Task<JsonElement> ReadJsonAsync(LoyaltyHostProcess host, HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        try
        {
            return JsonDocument.Parse(text).RootElement.Clone();
        }
        catch (JsonException)
        {
            Assert.Fail($"HTTP {(int)response.StatusCode} with a body that is not JSON: '{text}'\n--- host log ---\n{host.Log}");
            throw;
        }
    }

    public static MediaTypeHeaderValue? MediaType(this HttpResponseMessage response) => response.Content.Headers.ContentType;
}
