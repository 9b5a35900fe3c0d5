using System.Text.Json;
using LoyaltyActors.Domain.Customers;
using LoyaltyActors.Ingress.Http;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;

namespace LoyaltyActors.Ingress.Shopify;

/// <summary><c>Loyalty:Shopify:*</c>. Without a secret the webhook answers 503 naming the setting.</summary>
public sealed record ShopifyOptions(string? Secret);

/// <summary>
/// <c>POST /v1/webhooks/shopify</c>: verifies <c>X-Shopify-Hmac-Sha256</c> over the raw body (401 when wrong),
/// maps <c>orders/create</c> and <c>refunds/create</c> to events and ingests them. Anything Shopify sent
/// correctly signed is answered 2xx unless storage is unavailable (503, Shopify retries), so a body the engine
/// refuses (another currency, an order it never saw) is reported and counted, not retried forever.
/// </summary>
public static class ShopifyWebhookEndpoint
{
    public const string Path = "/v1/webhooks/shopify";
    public const string OrdersCreate = "orders/create";
    public const string RefundsCreate = "refunds/create";

    private static readonly JsonDocumentOptions DocumentOptions = new() { MaxDepth = 64 };

    public static IEndpointRouteBuilder MapShopifyWebhook(this IEndpointRouteBuilder app)
    {
        app.MapPost(Path, Receive);
        return app;
    }

    private static async Task<IResult> Receive(HttpContext http, ShopifyOptions shopify, IngressOptions options, EventIngestor ingestor,
        ShopifyOrderIndex index, ILoggerFactory loggers)
    {
        if (string.IsNullOrEmpty(shopify.Secret))
            return LoyaltyEndpoints.Problem(503, "Shopify webhooks are not configured", "set Loyalty:Shopify:Secret to the app's webhook secret");

        var body = await LoyaltyEndpoints.ReadBodyAsync(http.Request, options.MaxBodyBytes);
        if (body is null)
        {
            IngressMetrics.Refused(IngressMetrics.Shopify, IngressMetrics.Reasons.TooLarge);
            return LoyaltyEndpoints.TooLarge($"the body exceeds {options.MaxBodyBytes} bytes (Loyalty:Ingress:MaxBodyBytes)");
        }

        if (!ShopifySignature.IsValid(body.Value.Span, http.Request.Headers["X-Shopify-Hmac-Sha256"].ToString(), shopify.Secret))
        {
            IngressMetrics.Refused(IngressMetrics.Shopify, IngressMetrics.Reasons.BadSignature);
            return LoyaltyEndpoints.Problem(401, "Bad signature",
                "X-Shopify-Hmac-Sha256 is not the HMAC-SHA256 of this body with Loyalty:Shopify:Secret", "X-Shopify-Hmac-Sha256");
        }

        var topic = http.Request.Headers["X-Shopify-Topic"].ToString();
        if (topic is not (OrdersCreate or RefundsCreate))
            return Results.Json(new Dictionary<string, object?> { ["topic"] = topic, ["status"] = "ignored" }, LoyaltyJson.Options);

        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(body.Value, DocumentOptions);
        }
        catch (JsonException ex)
        {
            IngressMetrics.Refused(IngressMetrics.Shopify, IngressMetrics.Reasons.UnparsableBody);
            return LoyaltyEndpoints.Problem(400, "Unreadable body", "the body is not valid JSON: " + ex.Message);
        }

        ShopifyMapped mapped;
        using (doc)
        {
            mapped = topic == OrdersCreate
                ? ShopifyMapper.MapOrder(doc.RootElement, options.Wire)
                : ShopifyMapper.MapRefund(doc.RootElement, options.Wire, index.Find);
        }

        EventOutcome outcome;
        if (mapped.UnknownOrder)
        {
            outcome = new EventOutcome(mapped.EventId, EventOutcome.Rejected, mapped.Event.Error!.ToString(), RejectionKind.UnknownOrder);
        }
        else
        {
            // The order's customer is recorded first: its refunds must find it even if this reply is lost.
            if (mapped.Order is { } order && mapped.Event.IsValid) index.Record(order);
            try
            {
                outcome = (await ingestor.IngestAsync([mapped.Event], http.RequestAborted))[0];
            }
            catch (StorageUnavailableException ex)
            {
                return LoyaltyEndpoints.Unavailable(ex.Message);
            }
        }

        IngressMetrics.Record(IngressMetrics.Shopify, [outcome]);
        if (outcome.Status == EventOutcome.Rejected)
            loggers.CreateLogger("LoyaltyActors.Ingress.Shopify").LogWarning("Shopify {Topic} {EventId} rejected: {Error}", topic, outcome.EventId, outcome.Error);
        return Results.Json(new Dictionary<string, object?>
        {
            ["topic"] = topic,
            ["event_id"] = outcome.EventId,
            ["status"] = outcome.Status,
            ["error"] = outcome.Error,
        }, LoyaltyJson.Options);
    }
}
