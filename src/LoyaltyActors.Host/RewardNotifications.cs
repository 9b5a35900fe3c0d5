using System.Text.Json.Nodes;
using LoyaltyActors.Actors.Projections;
using LoyaltyActors.Notifications;

namespace LoyaltyActors.Host;

/// <summary>
/// Rewards the customers persisted become <c>reward.issued</c> notifications in the outbox (webhooks and the SSE
/// stream). Both the live relay and the journal projection hand every reward over; the outbox keeps the first.
/// </summary>
public sealed class RewardNotifications(INotificationSink sink) : IRewardSink
{
    public const string RewardIssuedType = "reward.issued";

    public void Deliver(IReadOnlyList<RewardNotice> notices)
    {
        if (notices.Count == 0) return;
        var batch = notices.Select(n => new Notification(n.NotificationId, RewardIssuedType, n.CustomerId, n.Reward.OccurredAt,
            new JsonObject
            {
                ["reward"] = n.Reward.Reward,
                ["rule_id"] = n.Reward.RuleId,
                ["rule_version"] = n.Reward.RuleVersion,
                ["trigger"] = n.Reward.Trigger,
                ["reward_event_id"] = n.Reward.EventId,
            })).ToList();
        // The outbox write is synchronous (LiteDB); the ValueTask is already complete.
        sink.EnqueueAsync(batch).AsTask().GetAwaiter().GetResult();
    }
}

/// <summary>Erasing a customer also empties the notification outbox of it (sent or pending).</summary>
public sealed class OutboxErasure(NotificationOutbox outbox) : LoyaltyActors.Ingress.Http.ICustomerErasure
{
    public int EraseCustomer(string customerId) => outbox.EraseCustomer(customerId);
}
