using NodaTime;

namespace LoyaltyActors.Notifications;

/// <summary>
/// The <see cref="INotificationSink"/> of the engine: writes the batch to the outbox (one transaction, known ids
/// skipped), then publishes the new notifications to the live stream and wakes the webhook dispatcher.
/// </summary>
public sealed class OutboxNotificationSink(
    NotificationOutbox outbox, NotificationStream stream, WebhookDispatcher dispatcher, NotificationOptions options, IClock clock) : INotificationSink
{
    private readonly string[] _endpoints = options.Webhooks.Select(w => w.Name).ToArray();
    private readonly object _order = new();

    public ValueTask EnqueueAsync(IReadOnlyList<Notification> batch, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (batch.Count == 0) return ValueTask.CompletedTask;
        IReadOnlyList<StoredNotification> added;
        // Stored and published under one lock, so the live stream runs in stored (sequence) order, which is what
        // a reconnecting subscriber's Last-Event-ID replay continues from. Publishing never waits.
        lock (_order)
        {
            added = outbox.Add(batch, _endpoints, clock.GetCurrentInstant());
            foreach (var n in added) stream.Publish(StreamFrame.Of(n));
        }

        if (added.Count > 0 && _endpoints.Length > 0) dispatcher.Wake();
        return ValueTask.CompletedTask;
    }

    /// <summary>Writes <paramref name="sample"/> to the outbox in a transaction it rolls back, and renders its stream frames.</summary>
    public void WarmUp(IReadOnlyList<Notification> sample)
    {
        lock (_order)
        {
            foreach (var n in outbox.Rehearse(sample, _endpoints, clock.GetCurrentInstant())) _ = StreamFrame.Of(n);
        }
    }
}
