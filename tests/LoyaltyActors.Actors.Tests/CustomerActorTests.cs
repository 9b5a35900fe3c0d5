using Akka.Actor;
using LoyaltyActors.Actors.Customers;
using LoyaltyActors.Actors.Tests.Support;
using LoyaltyActors.Domain.Customers;
using NodaTime;
using Xunit;
using Xunit.Abstractions;

namespace LoyaltyActors.Actors.Tests;

/// <summary>One customer actor on a real SQLite journal: recovery, idempotency, durability and batches.</summary>
public sealed class CustomerActorTests(ITestOutputHelper output) : CustomerTestKit(output)
{
    private static readonly Instant Start = Instant.FromUtc(2024, 5, 1, 10, 0).PlusNanoseconds(42);

    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    private IActorRef Customer(string id, int snapshotEvery = 1_000) =>
        Sys.ActorOf(CustomerActor.Props(id, Settings(snapshotEvery)));

    [Fact]
    public async Task Recovery_by_replaying_the_journal_restores_the_exact_state()
    {
        var c = new CustomerCommands("ann", Start);
        var customer = Customer(c.CustomerId);
        var recorded = await RecordAsync(customer, c.CustomerId, c.MixedHistory());
        // The reply may cross the cluster: outcomes only, never the state the decider folded.
        Assert.All(recorded.Outcomes, o => Assert.Null(Assert.IsType<Decision.Accepted>(o).After));
        var before = await StateAsync(customer, c.CustomerId);

        await StopAsync(customer);
        var after = await StateAsync(Customer(c.CustomerId), c.CustomerId);

        Assert.Null(after.RecoveredFromSnapshotAt);
        Assert.Equal(7L, after.LastSequenceNr);
        Assert.Equal(7, after.State.EventCount);
        Assert.Equal(before.State.PointsBalance, after.State.PointsBalance);
        Assert.Equal(Bytes(before.State), Bytes(after.State));
    }

    [Fact]
    public async Task Recovery_from_a_snapshot_plus_the_events_after_it_restores_the_exact_state()
    {
        var c = new CustomerCommands("bob", Start);
        var history = c.MixedHistory();
        var customer = Customer(c.CustomerId, snapshotEvery: 3);
        await RecordAsync(customer, c.CustomerId, history[..5]); // 5 ≥ 3: snapshot at sequence nr 5
        await RecordAsync(customer, c.CustomerId, history[5..]); // 2 < 3: journal only
        var before = await StateAsync(customer, c.CustomerId);
        await AwaitAssertAsync(() => Assert.Equal(5L, Journal.LatestSnapshotAt("customer-bob")), Patience);

        await StopAsync(customer);
        var after = await StateAsync(Customer(c.CustomerId, snapshotEvery: 3), c.CustomerId);

        Assert.Equal(5L, after.RecoveredFromSnapshotAt);
        Assert.Equal(7L, after.LastSequenceNr);
        Assert.Equal(Bytes(before.State), Bytes(after.State));
    }

    [Fact]
    public async Task Resending_a_batch_after_a_restart_is_all_duplicates_and_writes_nothing()
    {
        var c = new CustomerCommands("cat", Start);
        var customer = Customer(c.CustomerId);
        await RecordAsync(customer, c.CustomerId, c.MixedHistory());
        await StopAsync(customer);

        var restarted = Customer(c.CustomerId);
        var again = await RecordAsync(restarted, c.CustomerId, c.MixedHistory());
        var after = await StateAsync(restarted, c.CustomerId);

        Assert.Equal(7, again.Outcomes.Count);
        Assert.All(again.Outcomes, o => Assert.IsType<Decision.Duplicate>(o));
        Assert.Equal(7L, after.LastSequenceNr);
        Assert.Equal(7L, Journal.CountEvents("customer-cat"));
    }

    [Fact]
    public async Task The_reply_comes_only_once_the_events_are_committed_to_the_journal()
    {
        var c = new CustomerCommands("dan", Start);
        var customer = Customer(c.CustomerId);
        var history = c.MixedHistory();
        await RecordAsync(customer, c.CustomerId, history[..4]);
        Assert.Equal(4L, Journal.CountEvents("customer-dan"));

        using (Journal.HoldWriteLock())
        {
            customer.Tell(new RecordEvents(c.CustomerId, history[4..]), TestActor);
            // The write is stuck behind the lock, so no acknowledgement may arrive yet.
            await ExpectNoMsgAsync(TimeSpan.FromMilliseconds(500));
        }

        var result = await ExpectMsgAsync<RecordEventsResult>(Patience);
        Assert.Equal(3, result.Outcomes.Count(o => o is Decision.Accepted));
        Assert.Equal(7L, Journal.CountEvents("customer-dan"));
    }

    [Fact]
    public async Task A_purchase_and_a_return_of_that_order_in_one_batch_are_both_accepted()
    {
        var c = new CustomerCommands("eve", Start);
        var customer = Customer(c.CustomerId);

        var result = await RecordAsync(customer, c.CustomerId,
            c.Purchase("e1", "o1", Duration.Zero, new PurchaseLineInput("SKU-A", "fruit", 4, 2.50m)),
            c.Return("e2", "o1", Duration.FromHours(1), new ReturnLineInput("SKU-A", 1)));
        var state = (await StateAsync(customer, c.CustomerId)).State;

        Assert.IsType<Decision.Accepted>(result.Outcomes[0]);
        var returned = Assert.IsType<ReturnRecorded>(Assert.IsType<Decision.Accepted>(result.Outcomes[1]).Event);
        Assert.Equal((2.50m, 2L), (returned.Amount, returned.Points));
        Assert.Equal((1, 1, 7.50m, 8L), (state.Orders, state.Returns, state.NetSpend, state.PointsBalance));
        Assert.Equal(2L, Journal.CountEvents("customer-eve"));
    }

    [Fact]
    public async Task An_event_id_repeated_within_one_batch_is_recorded_once()
    {
        var c = new CustomerCommands("fay", Start);
        var customer = Customer(c.CustomerId);

        var result = await RecordAsync(customer, c.CustomerId,
            c.View("e1", Duration.Zero, "SKU-A"),
            c.View("e1", Duration.FromMinutes(1), "SKU-B"));
        var after = await StateAsync(customer, c.CustomerId);

        Assert.IsType<Decision.Accepted>(result.Outcomes[0]);
        Assert.IsType<Decision.Duplicate>(result.Outcomes[1]);
        Assert.Equal((1L, 1), (after.LastSequenceNr, after.State.Views));
    }

    [Fact]
    public async Task A_rejected_command_in_the_middle_of_a_batch_does_not_stop_the_others()
    {
        var c = new CustomerCommands("gus", Start);
        var customer = Customer(c.CustomerId);

        var result = await RecordAsync(customer, c.CustomerId,
            c.Purchase("e1", "o1", Duration.Zero, new PurchaseLineInput("SKU-A", "fruit", 1, 5m)),
            c.Return("e2", "o1", Duration.FromHours(1), new ReturnLineInput("SKU-Z", 1)),
            c.View("e3", Duration.FromHours(2)),
            c.Redeem("e4", Duration.FromHours(3), 6),
            c.Review("e5", Duration.FromHours(4)));
        await StopAsync(customer);
        var recovered = await StateAsync(Customer(c.CustomerId), c.CustomerId);

        Assert.IsType<Decision.Accepted>(result.Outcomes[0]);
        Assert.Equal((RejectionKind.Invalid, "lines[0].sku"), (Assert.IsType<Decision.Rejected>(result.Outcomes[1]).Kind, Assert.IsType<Decision.Rejected>(result.Outcomes[1]).Field));
        Assert.IsType<Decision.Accepted>(result.Outcomes[2]);
        Assert.Equal(RejectionKind.InsufficientPoints, Assert.IsType<Decision.Rejected>(result.Outcomes[3]).Kind);
        Assert.IsType<Decision.Accepted>(result.Outcomes[4]);
        Assert.True(recovered.State.EventIds.SetEquals(["e1", "e3", "e5"]));
        Assert.Equal(3L, recovered.LastSequenceNr);
    }
}
