using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Xunit;

namespace LoyaltyActors.Host.Tests;

/// <summary>
/// <c>POST /v1/webhooks/shopify</c> with bodies shaped like Shopify's documented Order and Refund resources
/// (REST Admin API, as delivered to <c>orders/create</c> and <c>refunds/create</c> webhooks), signed here
/// with the app secret the way Shopify does: base64 HMAC-SHA256 of the raw body.
/// </summary>
public sealed class ShopifyWebhookTests(SecuredHost fixture) : IClassFixture<SecuredHost>
{
    private LoyaltyHostProcess Host => fixture.Host;

    /// <summary>An Order resource (fields as documented; most left out, ids above 2^53 kept).</summary>
    private static string Order(string orderId, string? customerId, string currency = "USD") => OrderJson(orderId, currency,
        customerId is null ? "null" : "{\"id\": " + customerId + ", \"email\": \"bob.norman@mail.example.com\", \"first_name\": \"Bob\", \"last_name\": \"Norman\", \"currency\": \"USD\"}");

    private static string OrderJson(string orderId, string currency, string customerJson) => $$"""
        {
          "id": {{orderId}},
          "admin_graphql_api_id": "gid://shopify/Order/{{orderId}}",
          "buyer_accepts_marketing": false,
          "confirmed": true,
          "contact_email": "bob.norman@mail.example.com",
          "created_at": "2024-06-17T10:01:52-04:00",
          "currency": "{{currency}}",
          "current_subtotal_price": "423.00",
          "financial_status": "paid",
          "name": "#1001",
          "source_name": "web",
          "total_price": "423.00",
          "customer": {{customerJson}},
          "line_items": [
            {
              "id": 466157049,
              "admin_graphql_api_id": "gid://shopify/LineItem/466157049",
              "fulfillable_quantity": 1,
              "gift_card": false,
              "grams": 200,
              "name": "IPod Nano - 8gb - green",
              "price": "199.00",
              "price_set": {"shop_money": {"amount": "199.00", "currency_code": "USD"}, "presentment_money": {"amount": "199.00", "currency_code": "USD"} },
              "product_id": 632910392,
              "quantity": 1,
              "sku": "IPOD2008GREEN",
              "title": "IPod Nano - 8gb",
              "total_discount": "0.00",
              "variant_id": 39072856,
              "vendor": null,
              "tax_lines": [{"price": "3.98", "rate": 0.06, "title": "State Tax"}]
            },
            {
              "id": 518995019,
              "name": "IPod Nano - 8gb - red",
              "price": "112.00",
              "product_id": 632910392,
              "quantity": 2,
              "sku": "",
              "title": "IPod Nano - 8gb",
              "variant_id": 49148385
            }
          ],
          "shipping_lines": [{"id": 369256396, "price": "0.00", "title": "Free Shipping"}]
        }
        """;

    /// <summary>A Refund resource returning the first line item of <see cref="Order"/>.</summary>
    private static string Refund(string refundId, string orderId) => $$"""
        {
          "id": {{refundId}},
          "order_id": {{orderId}},
          "created_at": "2024-06-20T09:30:00-04:00",
          "note": "it broke during shipping",
          "user_id": 548380009,
          "processed_at": "2024-06-20T09:30:00-04:00",
          "restock": true,
          "duties": [],
          "admin_graphql_api_id": "gid://shopify/Refund/{{refundId}}",
          "refund_line_items": [
            {
              "id": 104689539,
              "quantity": 1,
              "line_item_id": 466157049,
              "location_id": 487838322,
              "restock_type": "return",
              "subtotal": 195.67,
              "total_tax": 3.98,
              "line_item": {"id": 466157049, "variant_id": 39072856, "title": "IPod Nano - 8gb", "quantity": 1, "sku": "IPOD2008GREEN", "price": "199.00", "product_id": 632910392 }
            }
          ],
          "transactions": [{"id": 179259969, "order_id": {{orderId}}, "kind": "refund", "amount": "199.00", "status": "success"}],
          "order_adjustments": []
        }
        """;

    private static string Sign(byte[] body, string secret) =>
        Convert.ToBase64String(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), body));

    private async Task<(HttpStatusCode Status, JsonElement Body, string Text)> DeliverAsync(string topic, string json, string? signature = null)
    {
        var bytes = Encoding.UTF8.GetBytes(json);
        var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new("application/json");
        var (status, text, _) = await fixture.SendAsync(HttpMethod.Post, "v1/webhooks/shopify", null, content, new Dictionary<string, string>
        {
            ["X-Shopify-Topic"] = topic,
            ["X-Shopify-Hmac-Sha256"] = signature ?? Sign(bytes, SecuredHost.ShopifySecret),
            ["X-Shopify-Shop-Domain"] = "johns-apparel.myshopify.com",
            ["X-Shopify-Webhook-Id"] = Guid.NewGuid().ToString(),
        });
        return (status, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone(), text);
    }

    private async Task<JsonElement?> ProfileAsync(string customerId)
    {
        var (status, body, _) = await fixture.SendAsync(HttpMethod.Get, $"v1/customers/{customerId}", SecuredHost.AdminKey);
        if (status == HttpStatusCode.NotFound) return null;
        Host.AssertStatus(HttpStatusCode.OK, status, body);
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    [Fact]
    public async Task Signed_order_is_recorded_for_its_customer_with_64_bit_ids_and_exact_prices_and_a_retry_is_a_duplicate()
    {
        // 2^53 + 1: a double would turn it into ...992.
        const string customer = "9007199254740993";
        var order = Order("5500000000000000001", customer);

        var first = await DeliverAsync("orders/create", order);
        Host.AssertStatus(HttpStatusCode.OK, first.Status, first.Text);
        Assert.Equal("accepted", first.Body.GetProperty("status").GetString());
        Assert.Equal("shopify-order-5500000000000000001", first.Body.GetProperty("event_id").GetString());

        var profile = (await ProfileAsync(customer))!.Value;
        Assert.Equal(1, profile.GetProperty("orders").GetInt32());
        Assert.Equal(199.00m + 2 * 112.00m, profile.GetProperty("monetary_total").GetDecimal());
        Assert.Null(await ProfileAsync("9007199254740992"));

        var retry = await DeliverAsync("orders/create", order);
        Host.AssertStatus(HttpStatusCode.OK, retry.Status, retry.Text);
        Assert.Equal("duplicate", retry.Body.GetProperty("status").GetString());
        var again = (await ProfileAsync(customer))!.Value;
        Assert.Equal(1, again.GetProperty("orders").GetInt32());
        Assert.Equal(profile.GetProperty("monetary_total").GetDecimal(), again.GetProperty("monetary_total").GetDecimal());
    }

    [Fact]
    public async Task Bad_or_missing_signature_answers_401_and_records_nothing()
    {
        const string customer = "207119551";
        var order = Order("5500000000000000002", customer);
        var signedOriginal = Sign(Encoding.UTF8.GetBytes(order), SecuredHost.ShopifySecret);
        var tampered = order.Replace("\"199.00\"", "\"1.00\"");

        foreach (var (body, signature) in new[]
                 {
                     (tampered, signedOriginal),                                            // body changed after signing
                     (order, Sign(Encoding.UTF8.GetBytes(order), "another-secret")),        // wrong secret
                     (order, "not base64 at all"),
                     (order, ""),
                 })
        {
            var answer = await DeliverAsync("orders/create", body, signature);
            Host.AssertStatus(HttpStatusCode.Unauthorized, answer.Status, answer.Text);
        }

        Assert.Null(await ProfileAsync(customer));
    }

    [Fact]
    public async Task Guest_order_is_kept_under_the_guest_pseudo_customer()
    {
        var before = await ProfileAsync("shopify-guest");
        var answer = await DeliverAsync("orders/create", Order("5500000000000000003", null));

        Host.AssertStatus(HttpStatusCode.OK, answer.Status, answer.Text);
        Assert.Equal("accepted", answer.Body.GetProperty("status").GetString());
        var after = (await ProfileAsync("shopify-guest"))!.Value;
        Assert.Equal((before?.GetProperty("orders").GetInt32() ?? 0) + 1, after.GetProperty("orders").GetInt32());
    }

    [Fact]
    public async Task Refund_reaches_the_customer_of_its_order_and_takes_back_the_refunded_units()
    {
        const string customer = "115310627314723954";
        const string orderId = "5500000000000000004";
        Host.AssertStatus(HttpStatusCode.OK, (await DeliverAsync("orders/create", Order(orderId, customer))).Status, "order");

        var refund = await DeliverAsync("refunds/create", Refund("5600000000000000001", orderId));
        Host.AssertStatus(HttpStatusCode.OK, refund.Status, refund.Text);
        Assert.Equal("accepted", refund.Body.GetProperty("status").GetString());

        var profile = (await ProfileAsync(customer))!.Value;
        Assert.Equal(1, profile.GetProperty("returns").GetInt32());
        Assert.Equal(2 * 112.00m, profile.GetProperty("monetary_total").GetDecimal());

        var retry = await DeliverAsync("refunds/create", Refund("5600000000000000001", orderId));
        Assert.Equal("duplicate", retry.Body.GetProperty("status").GetString());
    }

    [Fact]
    public async Task Refund_of_an_unknown_order_and_an_order_in_another_currency_are_answered_2xx_rejected_and_counted()
    {
        var unknownBefore = await MetricsScrape.ValueAsync(Host, MetricsScrape.Rejected("shopify", "unknown_order"));
        var currencyBefore = await MetricsScrape.ValueAsync(Host, MetricsScrape.Rejected("shopify", "currency"));

        var refund = await DeliverAsync("refunds/create", Refund("5600000000000000002", "5599999999999999999"));
        Host.AssertStatus(HttpStatusCode.OK, refund.Status, refund.Text);
        Assert.Equal("rejected", refund.Body.GetProperty("status").GetString());
        Assert.StartsWith("order_id:", refund.Body.GetProperty("error").GetString());

        var euro = await DeliverAsync("orders/create", Order("5500000000000000005", "4242", currency: "EUR"));
        Host.AssertStatus(HttpStatusCode.OK, euro.Status, euro.Text);
        Assert.Equal("rejected", euro.Body.GetProperty("status").GetString());
        Assert.StartsWith("currency:", euro.Body.GetProperty("error").GetString());
        Assert.Null(await ProfileAsync("4242"));

        Assert.Equal(unknownBefore + 1, await MetricsScrape.ValueAsync(Host, MetricsScrape.Rejected("shopify", "unknown_order")));
        Assert.Equal(currencyBefore + 1, await MetricsScrape.ValueAsync(Host, MetricsScrape.Rejected("shopify", "currency")));
    }

    [Fact]
    public async Task Signed_body_that_is_not_json_answers_400()
    {
        var answer = await DeliverAsync("orders/create", "{\"id\": 1, \"line_items\": [");
        Host.AssertStatus(HttpStatusCode.BadRequest, answer.Status, answer.Text);
    }
}
