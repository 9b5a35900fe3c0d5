using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using LoyaltyActors.Domain.Customers;
using LoyaltyActors.Domain.Wire;
using LoyaltyActors.Ingress.Shopify;
using NodaTime;
using Xunit;

namespace LoyaltyActors.Ingress.Tests.Shopify;

/// <summary>Shopify Order and Refund resources (fields as in Shopify's REST Admin API docs) to wire events.</summary>
public sealed class ShopifyMapperTests
{
    private static readonly WireLimits Usd = WireLimits.Default with { Currency = "USD" };

    private static JsonElement Parse(string json) => JsonDocument.Parse(json).RootElement.Clone();

    private const string OrderJson = """
        {
          "id": 18446744073709551,
          "created_at": "2024-06-17T10:01:52-04:00",
          "currency": "USD",
          "customer": {"id": 9007199254740993, "email": "bob@example.com"},
          "line_items": [
            {"id": 466157049, "price": "199.10", "quantity": 1, "sku": "IPOD2008GREEN", "variant_id": 39072856, "product_id": 632910392},
            {"id": 518995019, "price": "0.30", "quantity": 3, "sku": "", "variant_id": 49148385, "product_id": 632910392},
            {"id": 518995020, "price": "5.00", "quantity": 2, "sku": null, "variant_id": null, "product_id": 632910393},
            {"id": 518995021, "price": "9.99", "quantity": 0, "sku": "REMOVED"}
          ]
        }
        """;

    [Fact]
    public void Order_becomes_a_purchase_with_ids_as_exact_decimal_text_and_exact_prices()
    {
        var mapped = ShopifyMapper.MapOrder(Parse(OrderJson), Usd);

        var purchase = Assert.IsType<RecordPurchase>(mapped.Event.Command);
        Assert.Equal("shopify-order-18446744073709551", purchase.EventId);
        Assert.Equal("9007199254740993", purchase.CustomerId); // 2^53 + 1, not rounded through a double
        Assert.Equal("18446744073709551", purchase.OrderId);
        Assert.Equal(Instant.FromUtc(2024, 6, 17, 14, 1, 52), purchase.OccurredAt);
        Assert.Equal(
            [new PurchaseLineInput("IPOD2008GREEN", "", 1, 199.10m), new PurchaseLineInput("variant-49148385", "", 3, 0.30m),
             new PurchaseLineInput("product-632910393", "", 2, 5.00m)],
            purchase.Lines);
    }

    [Fact]
    public void Order_remembers_the_sku_of_each_line_item_for_its_refunds()
    {
        var order = ShopifyMapper.MapOrder(Parse(OrderJson), Usd).Order!;

        Assert.Equal("9007199254740993", order.CustomerId);
        Assert.Equal("variant-49148385", order.SkuByLineItem["518995019"]);
        Assert.Equal("product-632910393", order.SkuByLineItem["518995020"]);
    }

    [Fact]
    public void Guest_order_goes_to_the_guest_pseudo_customer()
    {
        var guest = OrderJson.Replace("\"customer\": {\"id\": 9007199254740993, \"email\": \"bob@example.com\"},", "");
        var withNull = OrderJson.Replace("{\"id\": 9007199254740993, \"email\": \"bob@example.com\"}", "null");

        Assert.Equal(ShopifyMapper.GuestCustomerId, ShopifyMapper.MapOrder(Parse(guest), Usd).Event.Command!.CustomerId);
        Assert.Equal(ShopifyMapper.GuestCustomerId, ShopifyMapper.MapOrder(Parse(withNull), Usd).Event.Command!.CustomerId);
    }

    [Fact]
    public void Order_in_another_currency_is_refused_by_the_wire_reader_naming_the_currency()
    {
        var mapped = ShopifyMapper.MapOrder(Parse(OrderJson), WireLimits.Default); // EUR deployment

        Assert.Null(mapped.Event.Command);
        Assert.Equal("currency", mapped.Event.Error!.Field);
        Assert.Equal("shopify-order-18446744073709551", mapped.Event.Error.EventId);
    }

    [Fact]
    public void Refund_becomes_a_return_for_the_orders_customer_with_skus_mapped_like_the_order()
    {
        var order = ShopifyMapper.MapOrder(Parse(OrderJson), Usd).Order!;
        var refund = Parse("""
            {
              "id": 509562969, "order_id": 18446744073709551, "created_at": "2024-06-20T09:30:00-04:00",
              "refund_line_items": [
                {"id": 104689539, "quantity": 1, "line_item_id": 466157049, "subtotal": 195.67,
                 "line_item": {"id": 466157049, "sku": "IPOD2008GREEN", "variant_id": 39072856, "price": "199.10"}},
                {"id": 104689540, "quantity": 2, "line_item_id": 518995019, "subtotal": 0.60}
              ]
            }
            """);

        var mapped = ShopifyMapper.MapRefund(refund, Usd, id => id == order.OrderId ? order : null);

        var ret = Assert.IsType<RecordReturn>(mapped.Event.Command);
        Assert.Equal(("shopify-refund-509562969", "9007199254740993", "18446744073709551"), (ret.EventId, ret.CustomerId, ret.OrderId));
        Assert.Equal([new ReturnLineInput("IPOD2008GREEN", 1), new ReturnLineInput("variant-49148385", 2)], ret.Lines);
    }

    [Fact]
    public void Refund_of_an_order_never_received_is_flagged_unknown()
    {
        var mapped = ShopifyMapper.MapRefund(Parse("""{"id": 1, "order_id": 2, "created_at": "2024-06-20T09:30:00Z", "refund_line_items": []}"""),
            Usd, _ => null);

        Assert.True(mapped.UnknownOrder);
        Assert.Equal("order_id", mapped.Event.Error!.Field);
    }

    [Theory]
    [InlineData("\"12345\"", "12345")]
    [InlineData("12345678901234567890", "12345678901234567890")]
    [InlineData("1.5", null)]
    [InlineData("-3", null)]
    [InlineData("\"12a\"", null)]
    [InlineData("null", null)]
    public void Ids_are_decimal_digits_taken_from_the_json_text(string raw, string? expected) =>
        Assert.Equal(expected, ShopifyMapper.IdText(Parse($"{{\"id\": {raw}}}"), "id"));
}

public sealed class ShopifySignatureTests
{
    [Fact]
    public void Signature_is_base64_hmac_sha256_of_the_exact_bytes()
    {
        var body = Encoding.UTF8.GetBytes("{\"id\": 1}");
        var expected = Convert.ToBase64String(HMACSHA256.HashData(Encoding.UTF8.GetBytes("secret"), body));

        Assert.True(ShopifySignature.IsValid(body, expected, "secret"));
        Assert.False(ShopifySignature.IsValid(Encoding.UTF8.GetBytes("{\"id\":1}"), expected, "secret")); // same JSON, other bytes
        Assert.False(ShopifySignature.IsValid(body, expected, "other"));
        Assert.False(ShopifySignature.IsValid(body, expected[..^4], "secret"));
        Assert.False(ShopifySignature.IsValid(body, "***", "secret"));
        Assert.False(ShopifySignature.IsValid(body, null, "secret"));
    }
}
