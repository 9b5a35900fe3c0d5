using Akka.Actor;
using Akka.Configuration;
using Akka.Persistence;
using Akka.TestKit;
using LoyaltyActors.Actors.Customers;
using LoyaltyActors.Actors.Persistence;
using LoyaltyActors.Actors.Tests.Support;
using LoyaltyActors.Domain.Customers;
using Microsoft.Data.Sqlite;
using Xunit;
using Xunit.Abstractions;

namespace LoyaltyActors.Actors.Tests;

/// <summary>
/// The journal's and the snapshot store's own recovery reads on SQLite (prepared statements on pooled read-only
/// connections) against the stock Akka.Persistence.Sql classes reading the same file: the same events, in the same
/// order, with the same metadata, deleted rows skipped, the same highest sequence number, the same snapshots.
/// </summary>
public sealed class RecoveryReadsTests(ITestOutputHelper output) : CustomerTestKit(output)
{
    private const string Id = "rr-1";
    private static readonly string Pid = CustomerActor.PersistencePrefix + Id;

    /// <summary>40 purchases with a snapshot every 7 events; then rows 5, 6 and 23 flagged deleted.</summary>
    private async Task<long> ManyEventsWithSnapshotsAndDeletedRowsAsync()
    {
        var customer = Sys.ActorOf(CustomerActor.Props(Id, Settings(snapshotEvery: 7)));
        var commands = new CustomerCommands(Id, Clock.GetCurrentInstant());
        for (var i = 0; i < 40; i++)
        {
            var result = await RecordAsync(customer, Id, commands.Purchase($"e-{i}", $"o-{i}", NodaTime.Duration.FromHours(i),
                new PurchaseLineInput("SKU-" + (i % 5), "books", 1 + (i % 3), 7.5m + i)));
            Assert.IsType<Decision.Accepted>(Assert.Single(result.Outcomes));
        }

        var highest = (await StateAsync(customer, Id)).LastSequenceNr;
        await StopAsync(customer);
        // A snapshot is saved after every 7th event; the last one may still be on its way to the database.
        var lastSnapshot = highest / 7 * 7;
        await AwaitConditionAsync(() => Task.FromResult(Journal.LatestSnapshotAt(Pid) == lastSnapshot), TimeSpan.FromSeconds(10));
        // Flagged rows that are still stored (as the plugin leaves the highest deleted one): never replayed.
        Execute("UPDATE journal SET deleted = 1 WHERE persistence_id = $id AND sequence_number IN (5, 6, 23)");
        return highest;
    }

    [Fact]
    public async Task Replays_and_highest_sequence_numbers_equal_the_stock_journals_skipping_deleted_rows()
    {
        var highest = await ManyEventsWithSnapshotsAndDeletedRowsAsync();
        Assert.Equal(40, highest);
        (long From, long To, long Max)[] ranges =
        [
            (1, long.MaxValue, long.MaxValue), // a recovery without snapshot
            (15, long.MaxValue, long.MaxValue), // a recovery after a snapshot at 14
            (4, 24, long.MaxValue), // bounded, starting and ending next to deleted rows
            (2, long.MaxValue, 9), // at most 9
            (highest + 1, long.MaxValue, long.MaxValue), // nothing newer than the snapshot
            (0, 0, long.MaxValue), // Recovery.None: only the highest sequence number
        ];

        using var stock = StockSystem();
        foreach (var (from, to, max) in ranges)
        {
            var ours = await ReplayAsync(Sys, from, to, max);
            var theirs = await ReplayAsync(stock.System, from, to, max);
            Assert.Equal(theirs.Highest, ours.Highest);
            Assert.Equal(Describe(stock.System, theirs.Events), Describe(Sys, ours.Events));
        }

        var all = await ReplayAsync(Sys, 1, long.MaxValue, long.MaxValue);
        Assert.Equal(highest, all.Highest);
        Assert.Equal(highest - 3, all.Events.Count);
        Assert.DoesNotContain(all.Events, e => e.SequenceNr is 5 or 6 or 23);
        Assert.All(all.Events, e => Assert.IsAssignableFrom<CustomerEvent>(e.Payload));
    }

    [Fact]
    public async Task A_customer_recovered_through_the_new_reads_has_the_state_it_had()
    {
        var customer = Sys.ActorOf(CustomerActor.Props(Id, Settings(snapshotEvery: 4)));
        await RecordAsync(customer, Id, new CustomerCommands(Id, Clock.GetCurrentInstant()).MixedHistory());
        var before = await StateAsync(customer, Id);
        await StopAsync(customer);

        var again = await StateAsync(Sys.ActorOf(CustomerActor.Props(Id, Settings(snapshotEvery: 4))), Id);
        Assert.Equal(before.LastSequenceNr, again.LastSequenceNr);
        Assert.Equal(Bytes(before.State), Bytes(again.State));
    }

    [Fact]
    public async Task Snapshot_loads_equal_the_stock_snapshot_stores()
    {
        var highest = await ManyEventsWithSnapshotsAndDeletedRowsAsync();
        SnapshotSelectionCriteria[] criteria =
        [
            SnapshotSelectionCriteria.Latest,
            new(20), // the newest at or below 20
            new(14), // one exactly at a snapshot
            new(3), // none that old
            new(long.MaxValue, DateTime.UtcNow.AddDays(1)), // by time: the plugin's own query
        ];

        using var stock = StockSystem();
        foreach (var c in criteria)
        {
            var ours = await LoadSnapshotAsync(Sys, c, highest);
            var theirs = await LoadSnapshotAsync(stock.System, c, highest);
            Assert.Equal(theirs?.Metadata, ours?.Metadata);
            Assert.Equal(theirs is null ? null : Bytes(theirs.Snapshot), ours is null ? null : Bytes(ours.Snapshot));
        }

        Assert.Equal(Journal.LatestSnapshotAt(Pid), (await LoadSnapshotAsync(Sys, SnapshotSelectionCriteria.Latest, highest))?.Metadata.SequenceNr);
        Assert.Null(await LoadSnapshotAsync(Sys, new SnapshotSelectionCriteria(3), highest));
    }

    [Fact]
    public async Task An_erased_customer_replays_only_its_tombstone_and_leaves_no_other_row()
    {
        var customer = Sys.ActorOf(CustomerActor.Props(Id, Settings(snapshotEvery: 3)));
        await RecordAsync(customer, Id, new CustomerCommands(Id, Clock.GetCurrentInstant()).MixedHistory());
        customer.Tell(new EraseCustomerData(Id), TestActor);
        var erased = await ExpectMsgAsync<EraseCustomerResult>(TimeSpan.FromSeconds(10));
        Assert.True(erased.Known);
        await AwaitConditionAsync(() => Task.FromResult(Journal.LatestSnapshotAt(Pid) is null), TimeSpan.FromSeconds(10));

        Assert.Equal(1, Journal.CountEvents(Pid));
        var replay = await ReplayAsync(Sys, 1, long.MaxValue, long.MaxValue);
        Assert.Equal(erased.EventsDeleted + 1, replay.Highest);
        var tombstone = Assert.Single(replay.Events);
        Assert.Equal(replay.Highest, tombstone.SequenceNr);
        Assert.Null(await LoadSnapshotAsync(Sys, SnapshotSelectionCriteria.Latest, long.MaxValue));

        using var stock = StockSystem();
        var theirs = await ReplayAsync(stock.System, 1, long.MaxValue, long.MaxValue);
        Assert.Equal(theirs.Highest, replay.Highest);
        Assert.Equal(Describe(stock.System, theirs.Events), Describe(Sys, replay.Events));
    }

    [Fact]
    public void Pooled_read_connections_are_reused_refuse_writes_and_are_dropped_after_a_failure()
    {
        Execute("CREATE TABLE IF NOT EXISTS probe (x INTEGER)");
        using var pool = new SqliteReadPool<Lease>(Journal.Settings.ConnectionString, c => new Lease(c));
        var first = pool.Use(l => l);
        Assert.Same(first, pool.Use(l => l));
        Assert.False(first.Disposed);

        // query_only: a read connection can never take the write lock.
        var refused = Assert.Throws<SqliteException>(() => pool.Use(l => l.Execute("INSERT INTO probe VALUES (1)")));
        Assert.Contains("readonly", refused.Message.Replace(" ", "", StringComparison.Ordinal), StringComparison.OrdinalIgnoreCase);
        Assert.True(first.Disposed);
        var next = pool.Use(l => l);
        Assert.NotSame(first, next);
        Assert.Equal(0L, pool.Use(l => l.Execute("SELECT count(*) FROM probe")));

        pool.Dispose();
        Assert.True(next.Disposed);
    }

    private sealed class Lease(SqliteConnection connection) : IDisposable
    {
        public bool Disposed { get; private set; }

        public object? Execute(string sql)
        {
            using var cmd = connection.CreateCommand();
            cmd.CommandText = sql;
            return cmd.ExecuteScalar();
        }

        public void Dispose()
        {
            Disposed = true;
            connection.Dispose();
        }
    }

    private sealed record Replayed(List<IPersistentRepresentation> Events, long Highest);

    private async Task<Replayed> ReplayAsync(ActorSystem system, long from, long to, long max)
    {
        var probe = CreateTestProbe(system);
        Akka.Persistence.Persistence.Instance.Apply(system).JournalFor(null).Tell(new ReplayMessages(from, to, max, Pid, probe.Ref), probe.Ref);
        var events = new List<IPersistentRepresentation>();
        while (true)
        {
            var message = await probe.ReceiveOneAsync(TimeSpan.FromSeconds(10));
            switch (message)
            {
                case ReplayedMessage m:
                    events.Add(m.Persistent);
                    break;
                case RecoverySuccess done:
                    return new Replayed(events, done.HighestSequenceNr);
                default:
                    throw new Xunit.Sdk.XunitException($"replay answered {message}");
            }
        }
    }

    private async Task<SelectedSnapshot?> LoadSnapshotAsync(ActorSystem system, SnapshotSelectionCriteria criteria, long toSequenceNr)
    {
        var probe = CreateTestProbe(system);
        Akka.Persistence.Persistence.Instance.Apply(system).SnapshotStoreFor(null).Tell(new LoadSnapshot(Pid, criteria, toSequenceNr), probe.Ref);
        return (await probe.ExpectMsgAsync<LoadSnapshotResult>(TimeSpan.FromSeconds(10))).Snapshot;
    }

    /// <summary>Everything a replayed event carries, the payload as the bytes its serializer writes.</summary>
    private static List<string> Describe(ActorSystem system, List<IPersistentRepresentation> events) =>
        events.Select(e => string.Join('|',
            e.PersistenceId, e.SequenceNr, e.Manifest, e.WriterGuid, e.Timestamp, e.IsDeleted, e.Sender, e.Payload.GetType().FullName,
            Convert.ToBase64String(system.Serialization.FindSerializerFor(e.Payload).ToBinary(e.Payload)))).ToList();

    /// <summary>A second actor system on the same file with Akka.Persistence.Sql's own journal and snapshot store.</summary>
    private StockReader StockSystem()
    {
        var config = ConfigurationFactory.ParseString($$"""
            akka.persistence.journal.sql {
              class = "{{typeof(Akka.Persistence.Sql.Journal.SqlWriteJournal).AssemblyQualifiedName}}"
              # the stock reads of the SQLite default (PersistenceHocon): a plain BEGIN
              read-isolation-level = read-uncommitted
            }
            akka.persistence.snapshot-store.sql.class = "{{typeof(Akka.Persistence.Sql.Snapshot.SqlSnapshotStore).AssemblyQualifiedName}}"
            """).WithFallback(Journal.Config);
        return new StockReader(ActorSystem.Create("stock-" + Guid.NewGuid().ToString("N")[..8], config));
    }

    private sealed class StockReader(ActorSystem system) : IDisposable
    {
        public ActorSystem System { get; } = system;

        public void Dispose() => System.Terminate().Wait(TimeSpan.FromSeconds(10));
    }

    private void Execute(string sql)
    {
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = Journal.Path, Pooling = false }.ToString());
        connection.Open();
        using var cmd = connection.CreateCommand();
        cmd.CommandText = sql;
        cmd.Parameters.AddWithValue("$id", Pid);
        cmd.ExecuteNonQuery();
    }
}
