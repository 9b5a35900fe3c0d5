using System.Text.Json.Nodes;
using NodaTime;

namespace LoyaltyActors.Notifications;

/// <summary>
/// One notification. <paramref name="NotificationId"/> is stable (derived from the persisted reward event), so
/// receivers dedupe on it; <paramref name="Type"/> is e.g. <c>reward.issued</c>; <paramref name="Data"/> is
/// the type's payload, e.g. <c>{"reward":"voucher-10","rule":"balance-1000"}</c>.
/// </summary>
public sealed record Notification(string NotificationId, string Type, string CustomerId, Instant OccurredAt, JsonObject Data);

/// <summary>Where the engine hands notifications for delivery.</summary>
public interface INotificationSink
{
    /// <summary>
    /// Durable on return (written to the outbox), idempotent by <see cref="Notification.NotificationId"/> (a second
    /// enqueue of a known id, delivered or not, changes nothing), then published to live SSE subscribers and
    /// scheduled for every enabled webhook endpoint.
    /// </summary>
    ValueTask EnqueueAsync(IReadOnlyList<Notification> batch, CancellationToken cancellationToken = default);

    /// <summary>
    /// Runs the path <paramref name="sample"/> would take through <see cref="EnqueueAsync"/> without storing or
    /// publishing anything, so that the first real notification after a start does not wait for that code to be
    /// compiled (measured: the first hand-over of a fresh server took 29–38 ms, and the notifications behind it waited).
    /// </summary>
    void WarmUp(IReadOnlyList<Notification> sample)
    {
    }
}
