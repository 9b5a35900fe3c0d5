using System.Text;
using NodaTime;
using Xunit;

namespace LoyaltyActors.Notifications.Tests;

public sealed class NotificationOutboxTests
{
    private static readonly Instant T0 = Instant.FromUtc(2026, 11, 20, 12, 0);
    private static readonly string[] Endpoints = ["http://127.0.0.1:1/a", "http://127.0.0.1:1/b"];
    private static readonly HashSet<string> None = [];

    [Fact]
    public void Each_notification_gets_one_pending_delivery_per_endpoint_due_now()
    {
        using var scratch = new Scratch();
        using var outbox = new NotificationOutbox(scratch.OutboxPath);

        var added = outbox.Add([Notifications.Reward("rw-1"), Notifications.Reward("rw-2")], Endpoints, T0);

        Assert.Equal(["rw-1", "rw-2"], added.Select(a => a.NotificationId));
        var all = outbox.List();
        Assert.Equal(4, all.Count);
        Assert.All(all, d => Assert.Equal((DeliveryStatus.Pending, 0, T0), (d.Status, d.Attempts, d.NextAttemptAt)));
        Assert.Equal(4, outbox.Due(T0, 10, Endpoints, None).Count);
        Assert.Empty(outbox.Due(T0 - Duration.FromMilliseconds(1), 10, Endpoints, None));
    }

    [Fact]
    public void A_known_notification_id_changes_nothing_whether_delivered_or_not()
    {
        using var scratch = new Scratch();
        using var outbox = new NotificationOutbox(scratch.OutboxPath);
        outbox.Add([Notifications.Reward("rw-1")], Endpoints, T0);
        var a = outbox.Due(T0, 10, Endpoints, None).Single(d => d.Endpoint == Endpoints[0]);
        outbox.RecordDelivered(a.DeliveryId, T0);

        var again = outbox.Add([Notifications.Reward("rw-1", reward: "something-else"), Notifications.Reward("rw-2"), Notifications.Reward("rw-2")], Endpoints, T0 + Duration.FromHours(1));

        Assert.Equal(["rw-2"], again.Select(n => n.NotificationId));
        var rw1 = outbox.List().Where(d => d.NotificationId == "rw-1").ToList();
        Assert.Equal([DeliveryStatus.Delivered, DeliveryStatus.Pending], rw1.Select(d => d.Status));
        Assert.Contains("voucher-10", Encoding.UTF8.GetString(outbox.Due(T0, 10, Endpoints, None).First(d => d.NotificationId == "rw-1").Body));
        Assert.Equal(4, outbox.List().Count);
    }

    [Fact]
    public void Pending_deliveries_and_their_schedule_survive_reopening_the_file()
    {
        using var scratch = new Scratch();
        byte[] body;
        using (var outbox = new NotificationOutbox(scratch.OutboxPath))
        {
            outbox.Add([Notifications.Reward("rw-1")], [Endpoints[0]], T0);
            var due = outbox.Due(T0, 10, Endpoints, None).Single();
            body = due.Body;
            outbox.RecordFailure(due.DeliveryId, T0, "HTTP 500", T0 + Duration.FromSeconds(30));
        }

        using (var reopened = new NotificationOutbox(scratch.OutboxPath))
        {
            var d = reopened.List().Single();
            Assert.Equal((DeliveryStatus.Pending, 1, T0 + Duration.FromSeconds(30), "HTTP 500"), (d.Status, d.Attempts, d.NextAttemptAt, d.LastError));
            Assert.Empty(reopened.Due(T0 + Duration.FromSeconds(29), 10, Endpoints, None));
            var due = Assert.Single(reopened.Due(T0 + Duration.FromSeconds(30), 10, Endpoints, None));
            Assert.Equal(body, due.Body);
            Assert.Equal(T0 + Duration.FromSeconds(30), reopened.NextDue(Endpoints, None));
            Assert.Null(reopened.NextDue(Endpoints, new HashSet<string> { due.DeliveryId }));
        }
    }

    [Fact]
    public void Redrive_moves_only_dead_and_disabled_deliveries_back_to_pending_with_attempts_reset()
    {
        using var scratch = new Scratch();
        using var outbox = new NotificationOutbox(scratch.OutboxPath);
        outbox.Add([Notifications.Reward("delivered"), Notifications.Reward("dead"), Notifications.Reward("pending")], [Endpoints[0]], T0);
        var due = outbox.Due(T0, 10, Endpoints, None).ToDictionary(d => d.NotificationId);
        outbox.RecordDelivered(due["delivered"].DeliveryId, T0);
        outbox.RecordFailure(due["dead"].DeliveryId, T0, "HTTP 500", null);
        outbox.RecordFailure(due["pending"].DeliveryId, T0, "HTTP 503", T0 + Duration.FromMinutes(5));
        outbox.Add([Notifications.Reward("gone")], [Endpoints[1]], T0);
        var gone = outbox.Due(T0, 10, [Endpoints[1]], None).Single();
        outbox.DisableEndpoint(Endpoints[1], gone.DeliveryId, T0, "410 Gone");
        outbox.Add([Notifications.Reward("after-gone")], [Endpoints[1]], T0);

        Assert.Equal(["after-gone", "gone"], outbox.List(DeliveryStatus.Disabled).Select(d => d.NotificationId)); // same enqueue instant: by id
        Assert.Equal([Endpoints[1]], outbox.DisabledEndpoints());

        var redriven = outbox.Redrive(T0 + Duration.FromHours(1));

        Assert.Equal(3, redriven);
        var byId = outbox.List().ToDictionary(d => d.NotificationId);
        Assert.Equal(DeliveryStatus.Delivered, byId["delivered"].Status);
        Assert.Equal((DeliveryStatus.Pending, 1, T0 + Duration.FromMinutes(5)), (byId["pending"].Status, byId["pending"].Attempts, byId["pending"].NextAttemptAt));
        foreach (var id in new[] { "dead", "gone", "after-gone" })
            Assert.Equal((DeliveryStatus.Pending, 0, T0 + Duration.FromHours(1)), (byId[id].Status, byId[id].Attempts, byId[id].NextAttemptAt));
        Assert.Empty(outbox.DisabledEndpoints());
        Assert.Equal(0, outbox.Redrive(T0));
    }

    [Fact]
    public void Redrive_of_one_id_leaves_the_other_dead_deliveries_dead()
    {
        using var scratch = new Scratch();
        using var outbox = new NotificationOutbox(scratch.OutboxPath);
        outbox.Add([Notifications.Reward("x"), Notifications.Reward("y")], [Endpoints[0]], T0);
        foreach (var d in outbox.Due(T0, 10, Endpoints, None)) outbox.RecordFailure(d.DeliveryId, T0, "HTTP 500", null);

        Assert.Equal(1, outbox.Redrive(T0, "y"));

        Assert.Equal(DeliveryStatus.Dead, outbox.List().Single(d => d.NotificationId == "x").Status);
        Assert.Equal(DeliveryStatus.Pending, outbox.List().Single(d => d.NotificationId == "y").Status);
    }

    [Fact]
    public void Notifications_are_numbered_in_stored_order_across_reopening_and_after_an_id_returns_the_later_ones()
    {
        using var scratch = new Scratch();
        using (var outbox = new NotificationOutbox(scratch.OutboxPath))
        {
            Assert.Equal([1L, 2L], outbox.Add([Notifications.Reward("b"), Notifications.Reward("a")], [], T0).Select(n => n.Sequence));
            Assert.Empty(outbox.Add([Notifications.Reward("a")], [], T0));
        }

        using var reopened = new NotificationOutbox(scratch.OutboxPath);
        Assert.Equal([3L], reopened.Add([Notifications.Reward("c")], [], T0).Select(n => n.Sequence));
        Assert.Equal(["a", "c"], reopened.After("b", 10)!.Select(n => n.NotificationId));
        Assert.Equal(["a"], reopened.After("b", 1)!.Select(n => n.NotificationId));
        Assert.Empty(reopened.After("c", 10)!);
        Assert.Null(reopened.After("zzz", 10));
    }

    [Fact]
    public void Every_store_is_synced_FULL_again_after_an_attempt_outcome_committed_without_a_sync()
    {
        using var scratch = new Scratch();
        using var outbox = new NotificationOutbox(scratch.OutboxPath);
        Assert.Equal(2L, outbox.Synchronous); // FULL
        outbox.Add([Notifications.Reward("rw-1"), Notifications.Reward("rw-2")], [Endpoints[0]], T0);
        var due = outbox.Due(T0, 10, Endpoints, None);

        Assert.True(outbox.RecordDelivered(due[0].DeliveryId, T0));
        Assert.Equal(2L, outbox.Synchronous);
        Assert.True(outbox.RecordFailure(due[1].DeliveryId, T0, "HTTP 500", T0 + Duration.FromSeconds(5)));
        Assert.Equal(2L, outbox.Synchronous);
        Assert.False(outbox.RecordDelivered(due[0].DeliveryId, T0)); // no longer pending
        Assert.Equal(2L, outbox.Synchronous);
    }

    [Fact]
    public void A_rehearsal_returns_what_Add_would_and_stores_nothing_nor_uses_a_sequence_number()
    {
        using var scratch = new Scratch();
        using var outbox = new NotificationOutbox(scratch.OutboxPath);
        outbox.Add([Notifications.Reward("rw-1")], Endpoints, T0);

        var rehearsed = outbox.Rehearse([Notifications.Reward("rw-1"), Notifications.Reward("rw-2")], Endpoints, T0);

        Assert.Equal([("rw-2", 2L)], rehearsed.Select(n => (n.NotificationId, n.Sequence)));
        Assert.Equal(["rw-1", "rw-1"], outbox.List().Select(d => d.NotificationId));
        Assert.Empty(outbox.After("rw-1", 10)!);
        Assert.Equal([("rw-2", 2L)], outbox.Add([Notifications.Reward("rw-2")], Endpoints, T0).Select(n => (n.NotificationId, n.Sequence)));
    }

    [Fact]
    public void Erasing_a_customer_removes_its_notifications_and_deliveries_and_leaves_no_copy_in_the_files()
    {
        using var scratch = new Scratch();
        using (var outbox = new NotificationOutbox(scratch.OutboxPath))
        {
            outbox.Add([Notifications.Reward("gone-1", customer: "erase-me-7731"), Notifications.Reward("kept-1", customer: "C-2")], Endpoints, T0);
            outbox.Add([Notifications.Reward("gone-2", customer: "erase-me-7731")], Endpoints, T0);

            Assert.Equal(2, outbox.EraseCustomer("erase-me-7731"));
            Assert.Equal(0, outbox.EraseCustomer("erase-me-7731"));

            Assert.Equal(["kept-1", "kept-1"], outbox.List().Select(d => d.NotificationId));
            Assert.All(outbox.Due(T0, 10, Endpoints, None), d => Assert.Equal("kept-1", d.NotificationId));
            Assert.Null(outbox.After("gone-1", 10));
            var onDisk = Directory.GetFiles(scratch.Dir).SelectMany(File.ReadAllBytes).ToArray();
            Assert.True(onDisk.AsSpan().IndexOf("erase-me-7731"u8) < 0, "the erased customer id is still in the outbox files");
        }
    }

    [Fact]
    public void A_disabled_endpoint_stops_its_pending_deliveries_and_later_ones_start_disabled_until_a_redrive()
    {
        using var scratch = new Scratch();
        using var outbox = new NotificationOutbox(scratch.OutboxPath);
        outbox.Add([Notifications.Reward("n-1"), Notifications.Reward("n-2")], Endpoints, T0);
        var gone = outbox.Due(T0, 10, Endpoints, None).First(d => d.Endpoint == Endpoints[1]);

        Assert.Equal(2, outbox.DisableEndpoint(Endpoints[1], gone.DeliveryId, T0, "HTTP 410"));
        Assert.Equal([Endpoints[1]], outbox.DisabledEndpoints());
        outbox.Add([Notifications.Reward("n-3")], Endpoints, T0);

        var toB = outbox.List().Where(d => d.Endpoint == Endpoints[1]).ToList();
        Assert.Equal(3, toB.Count);
        Assert.All(toB, d => Assert.Equal(DeliveryStatus.Disabled, d.Status));
        Assert.Equal(1, toB.Single(d => d.NotificationId == gone.NotificationId).Attempts);
        Assert.All(outbox.Due(T0, 10, Endpoints, None), d => Assert.Equal(Endpoints[0], d.Endpoint));

        Assert.Equal(3, outbox.Redrive(T0 + Duration.FromMinutes(1), dead: false, disabled: true));
        Assert.Empty(outbox.DisabledEndpoints());
        Assert.Equal(6, outbox.Due(T0 + Duration.FromMinutes(1), 10, Endpoints, None).Count);
    }

    [Fact]
    public void An_outbox_written_by_the_LiteDB_version_is_converted_with_its_sequence_and_delivery_states()
    {
        using var scratch = new Scratch();
        WriteLiteDbOutbox(scratch.OutboxPath);

        using (var outbox = new NotificationOutbox(scratch.OutboxPath))
        {
            var all = outbox.List();
            Assert.Equal([("old-1", "http://a", DeliveryStatus.Delivered, 1), ("old-2", "http://a", DeliveryStatus.Pending, 2), ("old-2", "http://b", DeliveryStatus.Disabled, 1)],
                all.Select(d => (d.NotificationId, d.Endpoint, d.Status, d.Attempts)));
            var pending = all.Single(d => d.Status == DeliveryStatus.Pending);
            Assert.Equal((T0 + Duration.FromSeconds(30), T0, "HTTP 500"), (pending.NextAttemptAt, pending.LastAttemptAt!.Value, pending.LastError));
            Assert.Equal(T0, all[0].DeliveredAt);
            Assert.Equal(["http://b"], outbox.DisabledEndpoints());
            Assert.Equal("old-body-2", Encoding.UTF8.GetString(Assert.Single(outbox.Due(T0 + Duration.FromSeconds(30), 10, ["http://a", "http://b"], None)).Body));
            // Sequence numbers go on from the converted ones; the live stream's replay finds the old ids.
            Assert.Equal([8L], outbox.Add([Notifications.Reward("new-1")], [], T0).Select(n => n.Sequence));
            Assert.Equal(["old-2", "new-1"], outbox.After("old-1", 10)!.Select(n => n.NotificationId));
        }

        Assert.True(File.Exists(scratch.OutboxPath + ".litedb"), "the LiteDB file is kept beside the converted one");
        Assert.False(File.Exists(scratch.OutboxPath + ".converting"));
        using var again = new NotificationOutbox(scratch.OutboxPath); // already converted: opened as it is, nothing lost
        Assert.Equal(3, again.List().Count);
        Assert.Equal(["old-2", "new-1"], again.After("old-1", 10)!.Select(n => n.NotificationId));
    }

    [Fact]
    public void A_conversion_interrupted_between_its_renames_is_finished_on_the_next_open_and_one_interrupted_before_is_redone()
    {
        using var scratch = new Scratch();
        WriteLiteDbOutbox(scratch.OutboxPath);
        // Interrupted before the renames: a partial copy is left over; the LiteDB file is still in place.
        File.WriteAllText(scratch.OutboxPath + ".converting", "partial");
        using (var outbox = new NotificationOutbox(scratch.OutboxPath)) Assert.Equal(3, outbox.List().Count);

        // Interrupted between the renames: the LiteDB file moved away, the complete copy not yet in place.
        File.Move(scratch.OutboxPath, scratch.OutboxPath + ".converting");
        using (var outbox = new NotificationOutbox(scratch.OutboxPath)) Assert.Equal(3, outbox.List().Count);
        Assert.False(File.Exists(scratch.OutboxPath + ".converting"));
    }

    [Fact]
    public void A_file_that_is_neither_SQLite_nor_LiteDB_is_refused_with_its_path_and_left_as_it_was()
    {
        using var scratch = new Scratch();
        var garbage = Enumerable.Range(0, 64 * 1024).Select(i => (byte)(i * 7 + 3)).ToArray();
        File.WriteAllBytes(scratch.OutboxPath, garbage);

        var error = Assert.Throws<InvalidDataException>(() => new NotificationOutbox(scratch.OutboxPath));

        Assert.Contains(scratch.OutboxPath, error.Message, StringComparison.Ordinal);
        Assert.Equal(garbage, File.ReadAllBytes(scratch.OutboxPath));
    }

    /// <summary>An outbox as the LiteDB version left it: two notifications (sequences 6 and 7), three deliveries, a disabled endpoint.</summary>
    private static void WriteLiteDbOutbox(string path)
    {
        var ms = T0.ToUnixTimeMilliseconds();
        using var db = new LiteDB.LiteDatabase(new LiteDB.ConnectionString { Filename = path, Connection = LiteDB.ConnectionType.Direct }, new LiteDB.BsonMapper());
        var notifications = db.GetCollection<LiteDbOutbox.NotificationRecord>("notifications");
        notifications.Insert(new LiteDbOutbox.NotificationRecord { Id = "old-1", Sequence = 6, Type = "reward.issued", CustomerId = "C-9", OccurredAt = ms, EnqueuedAt = ms, Body = "old-body-1"u8.ToArray() });
        notifications.Insert(new LiteDbOutbox.NotificationRecord { Id = "old-2", Sequence = 7, Type = "reward.issued", CustomerId = "C-9", OccurredAt = ms, EnqueuedAt = ms + 1, Body = "old-body-2"u8.ToArray() });
        var deliveries = db.GetCollection<LiteDbOutbox.DeliveryRecord>("deliveries");
        deliveries.Insert(new LiteDbOutbox.DeliveryRecord { Id = "old-1\nhttp://a", NotificationId = "old-1", Endpoint = "http://a", Status = "Delivered", Attempts = 1, NextAttemptAt = ms, LastAttemptAt = ms, DeliveredAt = ms });
        deliveries.Insert(new LiteDbOutbox.DeliveryRecord { Id = "old-2\nhttp://a", NotificationId = "old-2", Endpoint = "http://a", Status = "Pending", Attempts = 2, NextAttemptAt = ms + 30_000, LastAttemptAt = ms, LastError = "HTTP 500" });
        deliveries.Insert(new LiteDbOutbox.DeliveryRecord { Id = "old-2\nhttp://b", NotificationId = "old-2", Endpoint = "http://b", Status = "Disabled", Attempts = 1, NextAttemptAt = ms, LastAttemptAt = ms, LastError = "HTTP 410" });
        db.GetCollection<LiteDbOutbox.EndpointRecord>("endpoints").Insert(new LiteDbOutbox.EndpointRecord { Id = "http://b", Disabled = true, DisabledAt = ms, Reason = "HTTP 410" });
    }
}
