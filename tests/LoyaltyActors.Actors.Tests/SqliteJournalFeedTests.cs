using Akka.Actor;
using Akka.Persistence.Query;
using Akka.Streams;
using Akka.Streams.Dsl;
using LoyaltyActors.Actors.Customers;
using LoyaltyActors.Actors.Persistence;
using LoyaltyActors.Actors.Projections;
using LoyaltyActors.Actors.Tests.Support;
using LoyaltyActors.Domain.Customers;
using Xunit;
using Xunit.Abstractions;

namespace LoyaltyActors.Actors.Tests;

/// <summary>The projections' direct SQLite reader against the plugin's own query side over the same journal.</summary>
public sealed class SqliteJournalFeedTests(ITestOutputHelper output) : CustomerTestKit(output)
{
    /// <summary>The customer's actor, started on first use.</summary>
    private IActorRef CustomerOf(Dictionary<string, IActorRef> actors, string id)
    {
        if (!actors.TryGetValue(id, out var actor)) actors[id] = actor = Sys.ActorOf(CustomerActor.Props(id, Settings()));
        return actor;
    }

    [Fact]
    public async Task The_feed_reads_exactly_what_the_plugin_query_reads_in_the_same_order()
    {
        var feed = SqliteJournalFeed.Get(Sys);
        Assert.True(feed.Enabled);
        var actors = new Dictionary<string, IActorRef>();
        for (var i = 0; i < 30; i++)
        {
            var id = $"f-{i % 7}";
            var actor = CustomerOf(actors, id);
            var commands = new CustomerCommands(id, Clock.GetCurrentInstant());
            await RecordAsync(actor, id,
                commands.Purchase($"e-{i}", $"o-{i}", NodaTime.Duration.FromHours(i), new PurchaseLineInput($"SKU-{i % 5}", "books", 1 + i % 3, 10m + i)),
                commands.Purchase($"e-{i}-b", $"o-{i}-b", NodaTime.Duration.FromHours(i + 1), new PurchaseLineInput("SKU-Z", "music", 1, 3m)));
        }

        // One customer erased: its earlier rows are gone, its tombstone stays.
        actors["f-3"].Tell(new EraseCustomerData("f-3"), TestActor);
        Assert.True((await ExpectMsgAsync<EraseCustomerResult>(TimeSpan.FromSeconds(10))).Known);

        var plugin = await Collect(JournalEvents.ReadJournal(Sys).CurrentAllEvents(Offset.NoOffset())
            .Where(e => e.Event is CustomerEvent)
            .Select(e => (e.PersistenceId[CustomerActor.PersistencePrefix.Length..], e.SequenceNr, ((Sequence)e.Offset).Value, ((CustomerEvent)e.Event).EventId)));
        // Readers that follow the journal together share the batches read (the second and third take the first's).
        var readers = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ =>
            Collect(feed.Events(0, live: false).Select(e => (e.CustomerId, e.SequenceNr, e.Offset, e.Event.EventId)))));
        var direct = readers[0];
        Assert.All(readers, r => Assert.Equal(direct, r));

        Assert.True(plugin.Count > 40, $"only {plugin.Count} events were read back");
        Assert.Equal(plugin, direct);
        Assert.Contains(direct, e => e.Item1 == "f-3");

        var middle = direct[direct.Count / 2].Item3;
        Assert.Equal(direct.Where(e => e.Item3 > middle), await Collect(feed.Events(middle, live: false).Select(e => (e.CustomerId, e.SequenceNr, e.Offset, e.Event.EventId))));
    }

    [Fact]
    public async Task Events_handed_over_by_the_journal_at_commit_equal_the_rows_read_back_from_the_file()
    {
        var feed = SqliteJournalFeed.Get(Sys);
        var actors = new Dictionary<string, IActorRef>();
        for (var i = 0; i < 24; i++)
        {
            var id = $"h-{i % 5}";
            var actor = CustomerOf(actors, id);
            var commands = new CustomerCommands(id, Clock.GetCurrentInstant());
            // Rewards, tier changes and returns as well as purchases: every kind of event the writer hands over.
            await RecordAsync(actor, id,
                commands.Purchase($"e-{i}", $"o-{i}", NodaTime.Duration.FromHours(i), new PurchaseLineInput($"SKU-{i % 4}", "books", 1 + i % 3, 150m + i)),
                commands.Return($"r-{i}", $"o-{i}", NodaTime.Duration.FromHours(i + 1), new ReturnLineInput($"SKU-{i % 4}", 1)));
        }

        Assert.True(feed.HandedOver > 0, "the journal handed nothing over");
        var readsBefore = feed.FileReads;
        var fromMemory = await Collect(feed.Events(0, live: false).Select(Row));
        // Only the last look for rows after the head went to the file: everything else came from the hand-over.
        Assert.Equal(readsBefore + 1, feed.FileReads);

        var fromFile = await Collect(new SqliteJournalFeed((ExtendedActorSystem)Sys).Events(0, live: false).Select(Row));
        Assert.True(fromFile.Count >= 48, $"only {fromFile.Count} events were read back");
        Assert.Equal(fromFile.Select(r => r.Key), fromMemory.Select(r => r.Key));
        for (var i = 0; i < fromFile.Count; i++) Assert.Equal(fromFile[i].Bytes, fromMemory[i].Bytes);
    }

    private ((string CustomerId, long SequenceNr, long Offset, string Type) Key, byte[] Bytes) Row(JournalEvent e) =>
        ((e.CustomerId, e.SequenceNr, e.Offset, e.Event.GetType().Name), Bytes(e.Event));

    private async Task<List<T>> Collect<T>(Source<T, Akka.NotUsed> source) =>
        [.. await source.RunWith(Sink.Seq<T>(), Sys.Materializer())];
}

/// <summary>
/// The feed's wake-up on commit. The refresh interval is an hour here: a live read that only polled would not see a
/// new event before the test gives up.
/// </summary>
public sealed class SqliteJournalFeedWakeUpTests(ITestOutputHelper output)
    : CustomerTestKit(output, PersistenceTuning.Default with { QueryRefreshMs = 3_600_000 })
{
    [Fact]
    public async Task A_live_reader_gets_a_committed_event_without_waiting_for_a_poll()
    {
        var feed = SqliteJournalFeed.Get(Sys);
        var customer = Sys.ActorOf(CustomerActor.Props("live-1", Settings()));
        var commands = new CustomerCommands("live-1", Clock.GetCurrentInstant());
        await RecordAsync(customer, "live-1", commands.Purchase("e-1", "o-1", NodaTime.Duration.Zero, new PurchaseLineInput("SKU-A", "books", 1, 5m)));

        var probe = CreateTestProbe();
        feed.Events(0, live: true).RunWith(Sink.ActorRef<JournalEvent>(probe.Ref, "done", _ => "failed"), Sys.Materializer());
        Assert.Equal("e-1", (await probe.ExpectMsgAsync<JournalEvent>(TimeSpan.FromSeconds(10))).Event.EventId);

        // The reader has found nothing more and waits; only the journal's commit signal can wake it within the hour.
        await RecordAsync(customer, "live-1", commands.Purchase("e-2", "o-2", NodaTime.Duration.FromHours(1), new PurchaseLineInput("SKU-B", "books", 1, 7m)));
        var next = await probe.ExpectMsgAsync<JournalEvent>(TimeSpan.FromSeconds(10));
        while (next.Event is not PurchaseRecorded) next = await probe.ExpectMsgAsync<JournalEvent>(TimeSpan.FromSeconds(10));
        Assert.Equal("e-2", next.Event.EventId);
    }
}
