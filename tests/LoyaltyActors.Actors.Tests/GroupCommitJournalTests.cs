using System.Collections.Immutable;
using Akka.Actor;
using Akka.Persistence;
using LoyaltyActors.Actors.Customers;
using LoyaltyActors.Actors.Persistence;
using LoyaltyActors.Actors.Tests.Support;
using LoyaltyActors.Domain.Customers;
using Microsoft.Data.Sqlite;
using Xunit;
using Xunit.Abstractions;

namespace LoyaltyActors.Actors.Tests;

public sealed class GroupCommitJournalTests(ITestOutputHelper output) : CustomerTestKit(output)
{
    /// <summary>Fails to serialise: the journal must reject the write holding it and store the others.</summary>
    public sealed class Unserializable
    {
        public string Value => throw new InvalidOperationException("not serialisable");
    }

    [Fact]
    public async Task A_write_is_answered_in_protocol_order_once_stored_and_an_unserialisable_one_is_rejected_alone()
    {
        var journal = Akka.Persistence.Persistence.Instance.Apply(Sys).JournalFor(null);
        var actor = CreateTestProbe();
        var sender = CreateTestProbe();
        var at = Clock.GetCurrentInstant();
        var stored = new AtomicWrite(ImmutableList.Create<IPersistentRepresentation>(
            new Persistent(new ItemViewed("v-1", at, "SKU-A", 2), 1, "customer-w-1", sender: sender.Ref),
            new Persistent(new ItemViewed("v-2", at, "SKU-B", 3), 2, "customer-w-1", sender: sender.Ref)));
        var refused = new AtomicWrite(new Persistent(new Unserializable(), 1, "customer-w-2", sender: sender.Ref));

        journal.Tell(new WriteMessages([stored, refused], actor.Ref, 7), actor.Ref);

        await actor.ExpectMsgAsync<WriteMessagesSuccessful>();
        Assert.Equal(journal, actor.LastSender);
        foreach (var sequenceNr in new[] { 1L, 2L })
        {
            var success = await actor.ExpectMsgAsync<WriteMessageSuccess>();
            Assert.Equal((sequenceNr, 7), (success.Persistent.SequenceNr, success.ActorInstanceId));
            Assert.Equal(sender.Ref, actor.LastSender); // the event's sender, as the persist handler sees it
        }

        var rejected = await actor.ExpectMsgAsync<WriteMessageRejected>();
        Assert.Equal("customer-w-2", rejected.Persistent.PersistenceId);
        // Answered only after the commit: the rows are in the file.
        Assert.Equal(2, Journal.CountEvents("customer-w-1"));
        Assert.Equal(0, Journal.CountEvents("customer-w-2"));
    }

    [Fact]
    public async Task Concurrent_writes_of_many_customers_share_transactions_and_each_gets_its_own_reply()
    {
        const int customers = 400;
        var actors = Enumerable.Range(0, customers)
            .Select(i => Sys.ActorOf(CustomerActor.Props($"g-{i}", Settings()), $"g-{i}"))
            .ToArray();

        // Every customer recovers first, so that what follows is only the writes: while SQLite's write lock is held
        // nothing can commit, so every write that arrives meanwhile queues behind the first one; group commit must
        // merge them when the lock goes.
        var recovered = actors.Select((a, i) => a.Ask<CustomerStateResult>(new GetCustomerState($"g-{i}"), TimeSpan.FromSeconds(30))).ToArray();
        try
        {
            await Task.WhenAll(recovered);
        }
        catch (AskTimeoutException)
        {
            // A starved thread pool (threads blocked, work queued) stalls every actor and continuation alike.
            var pool = $"thread pool at the timeout: {ThreadPool.ThreadCount} threads, {ThreadPool.PendingWorkItemCount} work items queued, " +
                       $"{ThreadPool.CompletedWorkItemCount} completed";
            // Say how many customers hung, which persistence actors still answer, and the thread pool's state. (Seen in CI
            // when the journal's constructor failed on a schema change at start: see KnownIds.ReadTolerantly.)
            var silent = recovered.Select((t, i) => (t, i)).Where(x => !x.t.IsCompletedSuccessfully).Select(x => x.i).ToList();
            // Which part stalled: an actor whose thread is blocked or whose mailbox is never run does not answer Identify.
            var answering = new List<string>();
            foreach (var path in new[] { "/system/akka.persistence.journal.sql", "/system/akka.persistence.snapshot-store.sql", "/system/recoveryPermitter-akka.persistence.journal.sql" }
                         .Concat(silent.Take(3).Select(i => actors[i].Path.ToStringWithoutAddress())))
                answering.Add($"{path}: {await Answers(path)}");
            Assert.Fail($"{silent.Count} of {customers} new customers did not answer GetCustomerState within 30 s " +
                        $"({string.Join(", ", silent.Take(20).Select(i => $"g-{i}"))}); {string.Join("; ", answering)}; {pool}");
        }
        using (Journal.HoldWriteLock())
        {
            for (var i = 0; i < customers; i++)
                actors[i].Tell(new RecordEvents($"g-{i}", [new CustomerCommands($"g-{i}", Clock.GetCurrentInstant()).Purchase($"e-{i}", $"o-{i}", NodaTime.Duration.Zero, new PurchaseLineInput("SKU-A", "books", 1, 10m))]), TestActor);
            // The lock is held until the first write waits on it and every other one has queued behind it.
            var journal = Akka.Persistence.Persistence.Instance.Apply(Sys).JournalFor(null);
            await AwaitConditionAsync(async () =>
                await journal.Ask<WriteQueue>(GetWriteQueue.Instance, TimeSpan.FromSeconds(5)) == new WriteQueue(true, customers - 1),
                TimeSpan.FromSeconds(30));
        }

        var replies = new List<RecordEventsResult>();
        for (var i = 0; i < customers; i++) replies.Add(await ExpectMsgAsync<RecordEventsResult>(TimeSpan.FromSeconds(30)));

        Assert.All(replies, r => Assert.IsType<Decision.Accepted>(Assert.Single(r.Outcomes)));
        var (rows, writes) = JournalWrites();
        Assert.Equal(customers, rows);
        // The journal stamps each write it hands to the database once: the one that waited on the lock, then everything
        // that queued behind it as one. The stock journal made one write (one transaction, one fsync) per customer here.
        Assert.Equal(2, writes);
    }

    [Fact]
    public async Task A_customer_recovering_after_a_queued_write_sees_that_write()
    {
        var first = Sys.ActorOf(CustomerActor.Props("r-1", Settings()));
        await RecordAsync(first, "r-1", new CustomerCommands("r-1", Clock.GetCurrentInstant()).Purchase("e-1", "o-1", NodaTime.Duration.Zero, new PurchaseLineInput("SKU-A", "books", 1, 5m)));
        await StopAsync(first);
        var again = Sys.ActorOf(CustomerActor.Props("r-1", Settings()));
        var state = await StateAsync(again, "r-1");
        Assert.Equal(1, state.State.Orders);
        Assert.Equal(1, state.LastSequenceNr);
    }

    private async Task<string> Answers(string path)
    {
        try
        {
            var identity = await Sys.ActorSelection(path).Ask<ActorIdentity>(new Identify(path), TimeSpan.FromSeconds(5));
            return identity.Subject is null ? "absent" : "answers";
        }
        catch (AskTimeoutException)
        {
            return "silent for 5 s";
        }
    }

    private (long Rows, long Writes) JournalWrites()
    {
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = Journal.Path, Pooling = false, Mode = SqliteOpenMode.ReadOnly }.ToString());
        connection.Open();
        using var cmd = connection.CreateCommand();
        cmd.CommandText = "select count(*), count(distinct created) from journal";
        using var reader = cmd.ExecuteReader();
        reader.Read();
        return (reader.GetInt64(0), reader.GetInt64(1));
    }
}
