using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using NodaTime;
using NodaTime.Testing;
using Xunit;

namespace LoyaltyActors.Notifications.Tests;

/// <summary>
/// Webhook delivery against a real receiver on loopback. Most tests drive business time with a
/// <see cref="FakeClock"/>: the test moves the clock to a delivery's recorded due time and wakes the
/// dispatcher, so schedules are checked exactly and no test waits out a real backoff.
/// </summary>
public sealed class WebhookDeliveryTests
{
    private static readonly Instant Start = Instant.FromUtc(2026, 11, 20, 10, 20);

    private static async Task<WebhookDelivery> AfterAttemptsAsync(NotificationHost host, string id, int attempts)
    {
        WebhookDelivery? found = null;
        await Await.UntilAsync(() =>
        {
            found = host.Outbox.List().FirstOrDefault(d => d.NotificationId == id && d.Attempts == attempts);
            return found is not null;
        }, $"{id} recorded with {attempts} attempts; outbox: {string.Join("; ", host.Outbox.List())}");
        return found!;
    }

    private static async Task<WebhookDelivery> InStatusAsync(NotificationHost host, string id, DeliveryStatus status, string? endpoint = null)
    {
        WebhookDelivery? found = null;
        await Await.UntilAsync(() =>
        {
            found = host.Outbox.List(status).FirstOrDefault(d => d.NotificationId == id && (endpoint is null || d.Endpoint == endpoint));
            return found is not null;
        }, $"{id} {status}; outbox: {string.Join("; ", host.Outbox.List())}");
        return found!;
    }

    /// <summary>The receiver's side of Standard Webhooks, computed here with the BCL alone.</summary>
    private static void AssertSignedBy(byte[] key, ReceivedWebhook request)
    {
        using var hmac = new HMACSHA256(key);
        var expected = "v1," + Convert.ToBase64String(hmac.ComputeHash([.. Encoding.UTF8.GetBytes($"{request.Id}.{request.Timestamp}."), .. request.Body]));
        Assert.Equal(expected, request.Signature);
        Assert.True(WebhookSignature.Verify(key, request.Id!, request.Timestamp!, request.Signature!, request.Body,
            long.Parse(request.Timestamp!, CultureInfo.InvariantCulture), TimeSpan.FromMinutes(5)));
    }

    [Fact]
    public async Task Failed_timed_out_and_throttled_attempts_are_retried_with_the_same_id_and_valid_signatures_until_accepted()
    {
        using var scratch = new Scratch();
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.ThenAnswer(500).ThenHang().ThenAnswer(429, retryAfter: "120").ThenAnswer(204);
        var (key, secret) = Notifications.NewSecret();
        var clock = new FakeClock(Start);
        await using var host = await NotificationHost.StartAsync(scratch.Dir, [WebhookEndpoint.Parse(receiver.Url, secret, "test")], clock,
            o => o with { InitialBackoff = TimeSpan.FromSeconds(10), MaxBackoff = TimeSpan.FromHours(1), Timeout = TimeSpan.FromMilliseconds(500) });

        await host.Sink.EnqueueAsync([Notifications.Reward("rw-1")]);

        // 1: HTTP 500 -> first backoff, between half and all of the initial 10 s.
        Assert.Equal(500, (await receiver.NextAsync()).AnsweredStatus);
        var d1 = await AfterAttemptsAsync(host, "rw-1", 1);
        Assert.Equal((DeliveryStatus.Pending, "HTTP 500"), (d1.Status, d1.LastError));
        Assert.InRange((d1.NextAttemptAt - Start).TotalSeconds, 5, 10);

        // 2: no answer within the 0.5 s timeout -> a failure; backoff doubled (10..20 s).
        clock.Reset(d1.NextAttemptAt);
        host.Dispatcher.Wake();
        await receiver.NextAsync();
        var d2 = await AfterAttemptsAsync(host, "rw-1", 2);
        Assert.StartsWith("timeout", d2.LastError);
        Assert.InRange((d2.NextAttemptAt - d1.NextAttemptAt).TotalSeconds, 10, 20);

        // 3: 429 with Retry-After: 120 -> exactly 120 s later, whatever the backoff would say.
        clock.Reset(d2.NextAttemptAt);
        host.Dispatcher.Wake();
        Assert.Equal(429, (await receiver.NextAsync()).AnsweredStatus);
        var d3 = await AfterAttemptsAsync(host, "rw-1", 3);
        Assert.Equal(d2.NextAttemptAt + Duration.FromSeconds(120), d3.NextAttemptAt);

        // 4: accepted.
        clock.Reset(d3.NextAttemptAt);
        host.Dispatcher.Wake();
        Assert.Equal(204, (await receiver.NextAsync()).AnsweredStatus);
        var delivered = await InStatusAsync(host, "rw-1", DeliveryStatus.Delivered);
        Assert.Equal((4, d3.NextAttemptAt), (delivered.Attempts, delivered.DeliveredAt));

        var requests = receiver.Received;
        Assert.Equal(4, requests.Count);
        Assert.All(requests, r => Assert.Equal("rw-1", r.Id));
        Assert.All(requests, r => AssertSignedBy(key, r));
        Assert.All(requests, r => Assert.Equal(requests[0].Body, r.Body));
        Assert.All(requests, r => Assert.StartsWith("application/json", r.ContentType));
        // webhook-timestamp is the time of each attempt.
        Assert.Equal(new[] { Start, d1.NextAttemptAt, d2.NextAttemptAt, d3.NextAttemptAt }.Select(i => i.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture)),
            requests.Select(r => r.Timestamp));
        using var body = JsonDocument.Parse(requests[0].Body);
        Assert.Equal("reward.issued", body.RootElement.GetProperty("type").GetString());
        Assert.Equal("C-1", body.RootElement.GetProperty("customer_id").GetString());
        Assert.Equal("2026-11-20T10:15:00Z", body.RootElement.GetProperty("occurred_at").GetString());
        Assert.Equal("voucher-10", body.RootElement.GetProperty("data").GetProperty("reward").GetString());
    }

    [Fact]
    public async Task Retry_after_given_as_an_http_date_is_honoured()
    {
        using var scratch = new Scratch();
        await using var receiver = await WebhookReceiver.StartAsync();
        var retryAt = Start + Duration.FromMinutes(7);
        receiver.ThenAnswer(503, retryAfter: retryAt.ToDateTimeOffset().ToString("R", CultureInfo.InvariantCulture));
        var (_, secret) = Notifications.NewSecret();
        var clock = new FakeClock(Start);
        await using var host = await NotificationHost.StartAsync(scratch.Dir, [WebhookEndpoint.Parse(receiver.Url, secret, "test")], clock,
            o => o with { InitialBackoff = TimeSpan.FromSeconds(1) });

        await host.Sink.EnqueueAsync([Notifications.Reward("rw-date")]);

        await receiver.NextAsync();
        var d = await AfterAttemptsAsync(host, "rw-date", 1);
        Assert.Equal(retryAt, d.NextAttemptAt);
    }

    [Fact]
    public async Task Gone_disables_the_endpoint_and_stops_its_pending_and_later_deliveries_while_others_still_deliver()
    {
        using var scratch = new Scratch();
        await using var gone = await WebhookReceiver.StartAsync();
        await using var alive = await WebhookReceiver.StartAsync();
        gone.ThenAnswer(410);
        var (_, secret) = Notifications.NewSecret();
        await using var host = await NotificationHost.StartAsync(scratch.Dir,
            [WebhookEndpoint.Parse(gone.Url, secret, "a"), WebhookEndpoint.Parse(alive.Url, secret, "b")], SystemClock.Instance,
            o => o with { MaxConcurrentDeliveries = 1 });

        await host.Sink.EnqueueAsync([Notifications.Reward("rw-1"), Notifications.Reward("rw-2")]);
        await InStatusAsync(host, "rw-1", DeliveryStatus.Disabled, gone.Url);
        await InStatusAsync(host, "rw-2", DeliveryStatus.Disabled, gone.Url);
        await host.Sink.EnqueueAsync([Notifications.Reward("rw-3")]);
        foreach (var id in new[] { "rw-1", "rw-2", "rw-3" }) await InStatusAsync(host, id, DeliveryStatus.Delivered, alive.Url);

        Assert.Single(gone.Received);
        Assert.Equal(["rw-1", "rw-2", "rw-3"], alive.Received.Select(r => r.Id).Order());
        Assert.Equal(["rw-1", "rw-2", "rw-3"], host.Outbox.List(DeliveryStatus.Disabled).Select(d => d.NotificationId));
        Assert.All(host.Outbox.List(DeliveryStatus.Disabled), d => Assert.Equal(gone.Url, d.Endpoint));
        Assert.Equal([gone.Url], host.Outbox.DisabledEndpoints());
    }

    [Fact]
    public async Task A_delivery_is_dead_after_max_attempts_then_listed_as_dead_and_redrive_delivers_it()
    {
        using var scratch = new Scratch();
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.ThenAnswer(500).ThenAnswer(502).ThenAnswer(500);
        var (key, secret) = Notifications.NewSecret();
        // Real time with tiny backoffs: the dispatcher schedules and wakes up on its own.
        await using var host = await NotificationHost.StartAsync(scratch.Dir, [WebhookEndpoint.Parse(receiver.Url, secret, "test")], SystemClock.Instance,
            o => o with { MaxAttempts = 3, InitialBackoff = TimeSpan.FromMilliseconds(20), MaxBackoff = TimeSpan.FromMilliseconds(50) });

        await host.Sink.EnqueueAsync([Notifications.Reward("rw-dead")]);

        var dead = await InStatusAsync(host, "rw-dead", DeliveryStatus.Dead);
        Assert.Equal((3, "HTTP 500"), (dead.Attempts, dead.LastError));
        Assert.Equal([500, 502, 500], receiver.Received.Select(r => r.AnsweredStatus));

        using (var listed = JsonDocument.Parse(await host.Http.GetStringAsync("/v1/notifications?status=dead")))
        {
            var item = Assert.Single(listed.RootElement.EnumerateArray());
            Assert.Equal("rw-dead", item.GetProperty("notification_id").GetString());
            Assert.Equal("dead", item.GetProperty("status").GetString());
            Assert.Equal(3, item.GetProperty("attempts").GetInt32());
            Assert.Equal(receiver.Url, item.GetProperty("endpoint").GetString());
        }

        var bad = await host.Http.GetAsync("/v1/notifications?status=lost");
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("\"field\":\"status\"", await bad.Content.ReadAsStringAsync());

        Assert.Equal(1, host.Outbox.Redrive(SystemClock.Instance.GetCurrentInstant(), "rw-dead"));
        host.Dispatcher.Wake();

        var delivered = await InStatusAsync(host, "rw-dead", DeliveryStatus.Delivered);
        Assert.Equal(1, delivered.Attempts);
        Assert.Equal([500, 502, 500, 200], receiver.Received.Select(r => r.AnsweredStatus));
        Assert.All(receiver.Received, r => AssertSignedBy(key, r));
    }

    [Fact]
    public async Task A_restart_in_the_middle_of_the_retry_schedule_still_delivers_exactly_once()
    {
        using var scratch = new Scratch();
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.ThenAnswer(500);
        var (key, secret) = Notifications.NewSecret();
        var endpoint = WebhookEndpoint.Parse(receiver.Url, secret, "test");
        var clock = new FakeClock(Start);
        NotificationOptions Tune(NotificationOptions o) => o with { InitialBackoff = TimeSpan.FromMinutes(1), MaxConcurrentDeliveries = 1 };

        Instant retryAt;
        await using (var first = await NotificationHost.StartAsync(scratch.Dir, [endpoint], clock, Tune))
        {
            await first.Sink.EnqueueAsync([Notifications.Reward("rw-1")]);
            await receiver.NextAsync();
            retryAt = (await AfterAttemptsAsync(first, "rw-1", 1)).NextAttemptAt;
        }

        // The server was down when the retry fell due; the next one picks it up from the outbox.
        clock.Reset(retryAt + Duration.FromMinutes(5));
        await using (var second = await NotificationHost.StartAsync(scratch.Dir, [endpoint], clock, Tune))
        {
            await InStatusAsync(second, "rw-1", DeliveryStatus.Delivered);
        }

        // After another restart the delivered notification is not sent again, even when enqueued again; a
        // later notification (due after it) shows the dispatcher has been through the outbox.
        clock.Advance(Duration.FromMinutes(5));
        await using (var third = await NotificationHost.StartAsync(scratch.Dir, [endpoint], clock, Tune))
        {
            await third.Sink.EnqueueAsync([Notifications.Reward("rw-1")]);
            await third.Sink.EnqueueAsync([Notifications.Reward("rw-2")]);
            await InStatusAsync(third, "rw-2", DeliveryStatus.Delivered);
        }

        Assert.Equal([("rw-1", 500), ("rw-1", 200), ("rw-2", 200)], receiver.Received.Select(r => (r.Id, r.AnsweredStatus)));
        Assert.All(receiver.Received, r => AssertSignedBy(key, r));
    }

    [Fact]
    public async Task Enqueueing_the_same_notification_twice_delivers_it_once()
    {
        using var scratch = new Scratch();
        await using var receiver = await WebhookReceiver.StartAsync();
        var (_, secret) = Notifications.NewSecret();
        await using var host = await NotificationHost.StartAsync(scratch.Dir, [WebhookEndpoint.Parse(receiver.Url, secret, "test")], SystemClock.Instance,
            o => o with { MaxConcurrentDeliveries = 1 });

        await host.Sink.EnqueueAsync([Notifications.Reward("rw-1"), Notifications.Reward("rw-1")]);
        await host.Sink.EnqueueAsync([Notifications.Reward("rw-1")]);
        await InStatusAsync(host, "rw-1", DeliveryStatus.Delivered);
        await host.Sink.EnqueueAsync([Notifications.Reward("rw-1")]);
        await host.Sink.EnqueueAsync([Notifications.Reward("rw-2")]);
        await InStatusAsync(host, "rw-2", DeliveryStatus.Delivered);

        Assert.Equal(["rw-1", "rw-2"], receiver.Received.Select(r => r.Id));
        Assert.Equal(2, host.Outbox.List().Count);
    }
}
