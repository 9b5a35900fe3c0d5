using Akka.Actor;
using LoyaltyActors.Actors.Customers;
using LoyaltyActors.Actors.Persistence;
using LoyaltyActors.Actors.Tests.Support;
using Microsoft.Data.Sqlite;
using Xunit;
using Xunit.Abstractions;

namespace LoyaltyActors.Actors.Tests;

public sealed class KnownIdsTests(ITestOutputHelper output) : CustomerTestKit(output)
{
    [Fact]
    public async Task A_new_actor_system_on_the_same_journal_knows_the_customers_it_holds()
    {
        var customer = Sys.ActorOf(CustomerActor.Props("k-1", Settings(snapshotEvery: 3)));
        await RecordAsync(customer, "k-1", new CustomerCommands("k-1", Clock.GetCurrentInstant()).MixedHistory());
        var before = await StateAsync(customer, "k-1");
        await AwaitConditionAsync(() => Task.FromResult(Journal.LatestSnapshotAt(CustomerActor.PersistencePrefix + "k-1") is not null));
        await StopAsync(customer);

        // A second system starts from the file alone: its id caches must be loaded from disk, or
        // "k-1" would look brand new and recover empty.
        using var second = ActorSystem.Create("loyalty-second", Journal.Config);
        var again = second.ActorOf(CustomerActor.Props("k-1", Settings(snapshotEvery: 3)));
        var after = await again.Ask<CustomerStateResult>(new GetCustomerState("k-1"), TimeSpan.FromSeconds(10));
        Assert.Equal(before.LastSequenceNr, after.LastSequenceNr);
        Assert.NotNull(after.RecoveredFromSnapshotAt);
        Assert.Equal(Bytes(before.State), Bytes(after.State));
        await second.Terminate();
    }

    [Fact]
    public void Ids_absent_from_the_table_are_certainly_absent_and_present_ones_may_be_present()
    {
        var known = KnownIds.Load(Journal.Settings.ConnectionString, "no_such_table");
        Assert.Equal(0, known.Count);
        Assert.False(known.MayContain("customer-x"));
        known.Add("customer-x");
        Assert.True(known.MayContain("customer-x"));
        Assert.False(known.MayContain("customer-y"));
    }

    [Fact]
    public void A_table_reported_missing_as_a_schema_change_reads_as_empty()
    {
        // What SQLite said in CI when the snapshot store created its table while the journal loaded its ids.
        var read = KnownIds.ReadTolerantly(() => throw new SqliteException("SQLite Error 17: 'no such table: journal'.", 17));
        Assert.Empty(read);
    }

    [Fact]
    public void A_schema_change_under_the_read_of_an_existing_table_is_read_again()
    {
        var attempts = 0;
        var read = KnownIds.ReadTolerantly(() => ++attempts < 3 ? throw new SqliteException("SQLite Error 17: 'database schema has changed'.", 17) : [42UL]);
        Assert.Equal(3, attempts);
        Assert.Equal([42UL], read);
    }

    [Fact]
    public void Other_database_errors_are_not_swallowed()
    {
        Assert.Throws<SqliteException>(() => KnownIds.ReadTolerantly(() => throw new SqliteException("SQLite Error 11: 'database disk image is malformed'.", 11)));
    }
}
