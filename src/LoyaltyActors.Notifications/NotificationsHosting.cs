using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using NodaTime;
using NodaTime.Text;

namespace LoyaltyActors.Notifications;

/// <summary>Wiring of notification delivery into an ASP.NET host.</summary>
public static class NotificationsHosting
{
    /// <summary>
    /// Registers the outbox (<see cref="NotificationOptions.DatabasePath"/>), the live stream, the webhook
    /// dispatcher (a hosted service) and <see cref="INotificationSink"/>. Needs an <see cref="IClock"/> registered.
    /// </summary>
    public static IServiceCollection AddLoyaltyNotifications(this IServiceCollection services, NotificationOptions options)
    {
        options.Validated();
        services.AddSingleton(options);
        services.AddSingleton(_ => new NotificationOutbox(options.DatabasePath));
        services.AddSingleton(sp => new NotificationStream(options.StreamBufferSize, sp.GetService<ILogger<NotificationStream>>()));
        services.AddSingleton(sp => new WebhookDispatcher(
            sp.GetRequiredService<NotificationOutbox>(), options, sp.GetRequiredService<IClock>(), sp.GetService<ILogger<WebhookDispatcher>>()));
        services.AddHostedService(sp => sp.GetRequiredService<WebhookDispatcher>());
        services.AddSingleton(sp => new OutboxNotificationSink(
            sp.GetRequiredService<NotificationOutbox>(), sp.GetRequiredService<NotificationStream>(),
            sp.GetRequiredService<WebhookDispatcher>(), options, sp.GetRequiredService<IClock>()));
        services.AddSingleton<INotificationSink>(sp => sp.GetRequiredService<OutboxNotificationSink>());
        return services;
    }

    /// <summary>
    /// <c>GET /v1/notifications/stream</c> (Server-Sent Events) and <c>GET /v1/notifications[?status=S&amp;limit=N]</c>
    /// (the outbox's deliveries, for operators).
    /// </summary>
    public static IEndpointRouteBuilder MapNotificationEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/v1/notifications/stream", StreamAsync);
        app.MapGet("/v1/notifications", ListDeliveries);
        return app;
    }

    private static readonly byte[] Connected = ": connected\n\n"u8.ToArray();
    private static readonly byte[] Heartbeat = ": heartbeat\n\n"u8.ToArray();
    private static readonly byte[] UnknownLastEventId = ": unknown Last-Event-ID, live notifications only\n\n"u8.ToArray();

    private static async Task StreamAsync(HttpContext context, NotificationStream stream, NotificationOutbox outbox, NotificationOptions options,
        IHostApplicationLifetime lifetime)
    {
        // Ends on client disconnect and on server shutdown (a graceful stop does not abort open requests).
        using var ended = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, lifetime.ApplicationStopping);
        var ct = ended.Token;
        var response = context.Response;
        context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        response.Headers["X-Accel-Buffering"] = "no";

        // Subscribe before reading the replay, so nothing stored in between is missed; frames the replay already
        // sent are skipped by sequence.
        using var subscription = stream.Subscribe();
        var frames = subscription.Frames;
        try
        {
            // After this comment the subscription exists: a client that has read it misses nothing published later.
            await response.Body.WriteAsync(Connected, ct);
            var sent = 0L;
            if (context.Request.Headers["Last-Event-ID"].ToString() is { Length: > 0 } lastEventId)
            {
                var missed = outbox.After(lastEventId, options.StreamBufferSize);
                if (missed is null) await response.Body.WriteAsync(UnknownLastEventId, ct);
                foreach (var n in missed ?? [])
                {
                    var frame = StreamFrame.Of(n);
                    await response.Body.WriteAsync(frame.Bytes, ct);
                    sent = frame.Sequence;
                }
            }

            await response.Body.FlushAsync(ct);
            while (true)
            {
                bool open;
                using (var beat = CancellationTokenSource.CreateLinkedTokenSource(ct))
                {
                    beat.CancelAfter(options.StreamHeartbeat);
                    try
                    {
                        open = await frames.WaitToReadAsync(beat.Token);
                    }
                    catch (OperationCanceledException) when (!ct.IsCancellationRequested)
                    {
                        await response.Body.WriteAsync(Heartbeat, ct);
                        await response.Body.FlushAsync(ct);
                        continue;
                    }
                }

                if (!open) return; // dropped for falling behind; it may reconnect with Last-Event-ID
                while (frames.TryRead(out var frame))
                {
                    if (frame.Sequence <= sent) continue;
                    await response.Body.WriteAsync(frame.Bytes, ct);
                }

                await response.Body.FlushAsync(ct);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        catch (IOException)
        {
            // the client went away mid-write
        }
    }

    private static IResult ListDeliveries(string? status, int? limit, NotificationOutbox outbox)
    {
        DeliveryStatus? wanted = null;
        if (!string.IsNullOrEmpty(status))
        {
            if (!TryParseStatus(status, out var parsed))
                return Results.Problem(statusCode: 400, title: "invalid query parameter",
                    detail: $"status must be one of pending, delivered, dead, disabled; not '{status}'",
                    extensions: new Dictionary<string, object?> { ["field"] = "status" });
            wanted = parsed;
        }

        if (limit is < 1)
            return Results.Problem(statusCode: 400, title: "invalid query parameter", detail: "limit must be at least 1",
                extensions: new Dictionary<string, object?> { ["field"] = "limit" });
        return Results.Json(outbox.List(wanted, limit ?? 1000).Select(DeliveryBody));
    }

    /// <summary>pending, delivered, dead or disabled (case-insensitive).</summary>
    public static bool TryParseStatus(string text, out DeliveryStatus status) =>
        Enum.TryParse(text, ignoreCase: true, out status) && Enum.IsDefined(status) && !int.TryParse(text, out _);

    /// <summary>The snake_case JSON of one delivery, as <c>GET /v1/notifications</c> answers it.</summary>
    public static object DeliveryBody(WebhookDelivery d) => new Dictionary<string, object?>
    {
        ["notification_id"] = d.NotificationId,
        ["type"] = d.Type,
        ["customer_id"] = d.CustomerId,
        ["endpoint"] = d.Endpoint,
        ["status"] = d.Status.ToString().ToLowerInvariant(),
        ["attempts"] = d.Attempts,
        ["next_attempt_at"] = d.Status == DeliveryStatus.Pending ? InstantPattern.ExtendedIso.Format(d.NextAttemptAt) : null,
        ["last_attempt_at"] = d.LastAttemptAt is { } last ? InstantPattern.ExtendedIso.Format(last) : null,
        ["delivered_at"] = d.DeliveredAt is { } delivered ? InstantPattern.ExtendedIso.Format(delivered) : null,
        ["last_error"] = d.LastError,
    };
}
