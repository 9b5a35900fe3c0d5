using LoyaltyActors.Domain.Customers;
using NodaTime;

namespace LoyaltyActors.Actors.Tests.Support;

/// <summary>Commands as a till or web shop sends them, for one customer.</summary>
public sealed class CustomerCommands(string customerId, Instant start)
{
    public string CustomerId { get; } = customerId;

    public RecordPurchase Purchase(string eventId, string orderId, Duration after, params PurchaseLineInput[] lines) =>
        new(eventId, CustomerId, start + after, orderId, "web", lines);

    public RecordReturn Return(string eventId, string orderId, Duration after, params ReturnLineInput[] lines) =>
        new(eventId, CustomerId, start + after, orderId, "store", lines);

    public RecordView View(string eventId, Duration after, string sku = "SKU-A", double dwellSeconds = 12.5) =>
        new(eventId, CustomerId, start + after, sku, dwellSeconds);

    public RecordReview Review(string eventId, Duration after, string sku = "SKU-A", int rating = 4) =>
        new(eventId, CustomerId, start + after, sku, rating);

    public RedeemPoints Redeem(string eventId, Duration after, long points, string reward = "voucher") =>
        new(eventId, CustomerId, start + after, points, reward);

    /// <summary>
    /// Seven accepted commands covering every event type: two orders (prices 3.50, 0 and 19.99, so
    /// 66 + 24 points), a partial and a full return, a view, a review and a redemption.
    /// </summary>
    public CustomerCommand[] MixedHistory() =>
    [
        Purchase("e1", "o1", Duration.Zero,
            new PurchaseLineInput("SKU-A", "fruit", 2, 3.50m),
            new PurchaseLineInput("SKU-FREE", "gift", 1, 0m),
            new PurchaseLineInput("SKU-B", "tools", 3, 19.99m)),
        Purchase("e2", "o2", Duration.FromDays(2), new PurchaseLineInput("SKU-C", "books", 1, 24.00m)),
        Return("e3", "o1", Duration.FromDays(3), new ReturnLineInput("SKU-B", 1)),
        View("e4", Duration.FromDays(4)),
        Review("e5", Duration.FromDays(4) + Duration.FromMinutes(5), rating: 5),
        Redeem("e6", Duration.FromDays(5), 10),
        Return("e7", "o2", Duration.FromDays(6), new ReturnLineInput("SKU-C", 1)),
    ];
}
