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

    public ValueTask EnqueueAsync(IReadOnlyList<Notification> batch, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (batch.Count == 0) return ValueTask.CompletedTask;
        var added = outbox.Add(batch, _endpoints, clock.GetCurrentInstant());
        foreach (var n in added) stream.Publish(NotificationWire.SseFrame(n.NotificationId, n.Type, n.Body));
        if (added.Count > 0 && _endpoints.Length > 0) dispatcher.Wake();
        return ValueTask.CompletedTask;
    }
}
