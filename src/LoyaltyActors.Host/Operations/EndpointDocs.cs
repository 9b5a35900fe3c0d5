namespace LoyaltyActors.Host.Operations;

/// <summary>
/// Summaries and descriptions of the endpoints mapped without their own <c>WithSummary</c>, by
/// <c>"METHOD /path"</c>; <see cref="OpenApiEveryEndpoint"/> fills them into the OpenAPI document.
/// An endpoint mapped with <c>WithSummary</c> keeps its own.
/// </summary>
public static class EndpointDocs
{
    public static readonly IReadOnlyDictionary<string, (string Summary, string Description)> ByRoute =
        new Dictionary<string, (string, string)>(StringComparer.Ordinal)
        {
            ["POST /v1/events"] = ("Record events",
                "Body: one event object, a JSON array of events, or NDJSON (application/x-ndjson), wire format v1. Answers only after every accepted event is in the journal: "
                + "{accepted, duplicates, rejected, results:[{event_id, status, error}]}. 200 nothing rejected; 207 some rejected; 422 a single invalid object or all rejected; "
                + "400 unparsable body; 413 too large; 503 + Retry-After when the journal did not confirm in time (re-sending is safe: event_id dedupes)."),
            ["GET /v1/customers/{id}"] = ("Customer profile",
                "The customer's profile (RFM, lifetimes figures, behaviour score, preference, loyalty, points, tier, segment); with as_of (ISO-8601 instant or date) as it was then. 404 for a customer with no events."),
            ["DELETE /v1/customers/{id}"] = ("Erase a customer (admin)",
                "Right to be forgotten: a tombstone is persisted, every earlier event and every snapshot of the customer is deleted from the journal, and the segments, recommender, statistics and timers drop the customer when they read the tombstone. 200 {customer_id, erased, events_deleted}; 404 for a customer with no events."),
            ["GET /v1/customers/{id}/summary"] = ("Lifetimes summary of one customer",
                "frequency, recency, T, monetary_value as Python lifetimes' summary_data_from_transaction_data computes them, as of as_of (date, default today), freq D|W, freq_multiplier N."),
            ["POST /v1/customers/{id}/redeem"] = ("Redeem points",
                "Body {event_id, points, reward}. 200 with the new balance, 409 when the balance is too low."),
            ["GET /health"] = ("Readiness", "200 {\"status\":\"ready\"} once the actor system answers; 503 otherwise."),
            ["GET /v1/segments"] = ("Customer segments",
                "{k, segments:[{id, label, size, centroid:{recency, frequency, monetary, variety}, standardised_centroid}], events_consumed, customers, inertia}; centroids in raw units (days, orders, money, categories). 503 on a node without aggregators."),
            ["GET /v1/rules"] = ("Association rules",
                "Every 2-item rule {a} => {b} with support >= min_support and confidence >= min_confidence (both required, 0 to 1), sorted by lift, at most limit (default 100): "
                + "[{antecedent, consequent, support, confidence, lift, count}]."),
            ["GET /v1/items/{sku}/similar"] = ("Similar items",
                "Items bought together with sku at least Loyalty:Recommender:SimilarMinPairCount times, by lift (default) or cosine (measure), at most limit (default 10). 404 for a SKU in no order."),
            ["GET /v1/customers/{id}/recommendations"] = ("Recommendations for a customer",
                "Top-N SKUs (limit, default 10) the customer has not bought, with the evidence behind each (because_of, co_count, lift, confidence); popular items fill the rest."),
            ["GET /v1/customers/{id}/explain"] = ("Why the scores are what they are",
                "The loyalty sigmoid term by term (a·L1, b·L2, c·L3, bias, their sum the logit), the behaviour score's terms, distances to every segment centroid with the nearest, and the evidence behind each recommendation."),
            ["GET /v1/notifications/stream"] = ("Live notifications (Server-Sent Events)",
                "One frame per notification: id: <notification_id>, event: <type> (reward.issued), data: {notification_id, type, customer_id, occurred_at, data}. A reconnect with Last-Event-ID first replays what was missed from the outbox; comment heartbeats keep the connection open."),
            ["GET /v1/notifications"] = ("Webhook deliveries (operators)",
                "The outbox's deliveries, optionally filtered by status (pending, delivered, dead, disabled), at most limit (default 1000); 400 naming status for an unknown one."),
            ["POST /v1/webhooks/shopify"] = ("Shopify order and refund webhooks",
                "Topics orders/create and refunds/create (X-Shopify-Topic), X-Shopify-Hmac-Sha256 verified over the raw body with Loyalty:Shopify:Secret (401 when wrong). Orders become purchases, refunds returns; a retried delivery is a duplicate; guest orders are kept under shopify-guest."),
        };
}
