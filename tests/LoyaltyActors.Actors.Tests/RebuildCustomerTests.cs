using Akka.Actor;
using Akka.Persistence;
using LoyaltyActors.Actors.Customers;
using LoyaltyActors.Actors.Tests.Support;
using LoyaltyActors.Domain.Customers;
using NodaTime;
using Xunit;
using Xunit.Abstractions;

namespace LoyaltyActors.Actors.Tests;

public sealed class RebuildCustomerTests(ITestOutputHelper output) : CustomerTestKit(output)
{
    [Fact]
    public async Task Rebuild_replaces_a_stale_snapshot_with_the_fold_of_the_journal()
    {
        var commands = new CustomerCommands("stale", Clock.GetCurrentInstant());
        var customer = Sys.ActorOf(CustomerActor.Props("stale", Settings()));
        await RecordAsync(customer, "stale", commands.MixedHistory());
        var truth = await StateAsync(customer, "stale");
        await StopAsync(customer);

        // A snapshot written by an older fold: same sequence number, wrong figures.
        var wrong = truth.State with { Orders = truth.State.Orders + 40, PointsEarned = 1 };
        var store = Akka.Persistence.Persistence.Instance.Apply(Sys).SnapshotStoreFor(null);
        store.Tell(new SaveSnapshot(new SnapshotMetadata(CustomerActor.PersistencePrefix + "stale", truth.LastSequenceNr, DateTime.UtcNow), wrong), TestActor);
        await ExpectMsgAsync<SaveSnapshotSuccess>(TimeSpan.FromSeconds(10));

        var recovered = Sys.ActorOf(CustomerActor.Props("stale", Settings()));
        Assert.Equal(wrong.Orders, (await StateAsync(recovered, "stale")).State.Orders);

        recovered.Tell(new RebuildCustomer("stale"), TestActor);
        var result = await ExpectMsgAsync<RebuildCustomerResult>(TimeSpan.FromSeconds(10));
        Assert.False(result.Matched);
        Assert.Equal(truth.LastSequenceNr, result.Events);
        Assert.Equal(Bytes(truth.State), Bytes((await StateAsync(recovered, "stale")).State));

        // The fresh snapshot is what the next incarnation starts from.
        await AwaitConditionAsync(() => Task.FromResult(Journal.LatestSnapshotAt(CustomerActor.PersistencePrefix + "stale") is not null));
        await StopAsync(recovered);
        var next = Sys.ActorOf(CustomerActor.Props("stale", Settings()));
        Assert.Equal(Bytes(truth.State), Bytes((await StateAsync(next, "stale")).State));
        next.Tell(new RebuildCustomer("stale"), TestActor);
        Assert.True((await ExpectMsgAsync<RebuildCustomerResult>(TimeSpan.FromSeconds(10))).Matched);
    }
}
