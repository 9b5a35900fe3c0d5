using System.Text;
using System.Text.Json;
using NodaTime.Text;

namespace LoyaltyActors.Notifications;

/// <summary>
/// The wire form of a notification, shared by webhook bodies and SSE <c>data:</c> lines:
/// <c>{"notification_id","type","customer_id","occurred_at","data"}</c>, compact UTF-8 JSON on one line.
/// </summary>
public static class NotificationWire
{
    /// <summary>The JSON body. The outbox stores these exact bytes, so every retry signs and sends the same body.</summary>
    public static byte[] Body(Notification notification)
    {
        Validate(notification);
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("notification_id", notification.NotificationId);
            writer.WriteString("type", notification.Type);
            writer.WriteString("customer_id", notification.CustomerId);
            writer.WriteString("occurred_at", InstantPattern.ExtendedIso.Format(notification.OccurredAt));
            writer.WritePropertyName("data");
            notification.Data.WriteTo(writer);
            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>One Server-Sent Events frame: <c>id: ID\nevent: TYPE\ndata: BODY\n\n</c>.</summary>
    public static byte[] SseFrame(string notificationId, string type, ReadOnlySpan<byte> body) =>
        [.. Encoding.UTF8.GetBytes($"id: {notificationId}\nevent: {type}\ndata: "), .. body, (byte)'\n', (byte)'\n'];

    /// <summary>
    /// Ids and types travel in SSE field lines and HTTP headers, so they must be single-line printable text;
    /// the compact JSON body never contains a raw line break.
    /// </summary>
    public static void Validate(Notification notification)
    {
        ArgumentNullException.ThrowIfNull(notification);
        RequireToken(notification.NotificationId, "notification_id");
        RequireToken(notification.Type, "type");
        if (string.IsNullOrEmpty(notification.CustomerId)) throw new ArgumentException("customer_id must not be empty", nameof(notification));
        if (notification.Data is null) throw new ArgumentException("data must be a JSON object", nameof(notification));
    }

    private static void RequireToken(string? value, string field)
    {
        if (string.IsNullOrEmpty(value)) throw new ArgumentException($"{field} must not be empty", field);
        if (value.Length > 256) throw new ArgumentException($"{field} must be at most 256 characters", field);
        foreach (var c in value)
        {
            if (c < 0x21 || c > 0x7e) throw new ArgumentException($"{field} must be printable ASCII without spaces ('{value}')", field);
        }
    }
}
