using System.Text.Json.Nodes;
using LoyaltyActors.Actors.Projections;
using LoyaltyActors.Domain.Customers;
using LoyaltyActors.Notifications;

namespace LoyaltyActors.Host;

/// <summary>
/// Rewards the customers persisted become <c>reward.issued</c> notifications in the outbox (webhooks and the SSE
/// stream). Both the live relay and the journal projection hand every reward over; the outbox keeps the first.
/// </summary>
public sealed class RewardNotifications : IRewardSink
{
    public const string RewardIssuedType = "reward.issued";

    private readonly INotificationSink _sink;

    /// <summary>Also warms the sink's path up with a made-up reward (nothing is stored), off any customer's clock.</summary>
    public RewardNotifications(INotificationSink sink)
    {
        _sink = sink;
        var sample = new RewardIssued("warm-up#reward:warm-up", NodaTime.Instant.FromUnixTimeSeconds(0), "warm-up", 1, "warm-up", "warm-up");
        try
        {
            _sink.WarmUp(ToNotifications([new RewardNotice("warm-up", sample)]));
        }
        catch (Exception)
        {
            // Only the first notification is slower; a real hand-over that fails reports it (and the journal path retries).
        }
    }

    public void Deliver(IReadOnlyList<RewardNotice> notices)
    {
        if (notices.Count == 0) return;
        // The outbox write is synchronous (SQLite); the ValueTask is already complete.
        _sink.EnqueueAsync(ToNotifications(notices)).AsTask().GetAwaiter().GetResult();
    }

    private static List<Notification> ToNotifications(IReadOnlyList<RewardNotice> notices) =>
        notices.Select(n => new Notification(n.NotificationId, RewardIssuedType, n.CustomerId, n.Reward.OccurredAt,
            new JsonObject
            {
                ["reward"] = n.Reward.Reward,
                ["rule_id"] = n.Reward.RuleId,
                ["rule_version"] = n.Reward.RuleVersion,
                ["trigger"] = n.Reward.Trigger,
                ["reward_event_id"] = n.Reward.EventId,
            })).ToList();
}

/// <summary>Erasing a customer also empties the notification outbox of it (sent or pending).</summary>
public sealed class OutboxErasure(NotificationOutbox outbox) : LoyaltyActors.Ingress.Http.ICustomerErasure
{
    public int EraseCustomer(string customerId) => outbox.EraseCustomer(customerId);
}
