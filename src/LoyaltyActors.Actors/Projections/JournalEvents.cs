using Akka;
using Akka.Actor;
using Akka.Persistence.Query;
using Akka.Persistence.Sql.Query;
using Akka.Streams.Dsl;
using LoyaltyActors.Actors.Customers;
using LoyaltyActors.Domain.Customers;

namespace LoyaltyActors.Actors.Projections;

/// <summary>One customer event read back from the journal with its global offset (journal ordering).</summary>
public sealed record JournalEvent(string CustomerId, long SequenceNr, long Offset, CustomerEvent Event);

/// <summary>
/// Reads the journal in order: on the embedded SQLite file through <see cref="Persistence.SqliteJournalFeed"/> (direct
/// queries, woken by commits), on PostgreSQL through Akka.Persistence.Query.
/// </summary>
public static class JournalEvents
{
    public static SqlReadJournal ReadJournal(ActorSystem system) =>
        PersistenceQuery.Get(system).ReadJournalFor<SqlReadJournal>(SqlReadJournal.Identifier);

    /// <summary>Every customer event stored so far, in journal order, after <paramref name="afterOffset"/>; then completes.</summary>
    public static Source<JournalEvent, NotUsed> CurrentCustomerEvents(ActorSystem system, long afterOffset = 0) =>
        Persistence.SqliteJournalFeed.Get(system) is { Enabled: true } feed
            ? feed.Events(afterOffset, live: false)
            : ReadJournal(system).CurrentAllEvents(From(afterOffset)).CustomerEventsOnly();

    /// <summary>
    /// Like <see cref="CurrentCustomerEvents"/>, then keeps following the journal as it grows; in batches for a consumer
    /// that takes one batch at a time: what arrived while it was busy, up to <paramref name="max"/> events
    /// (<see cref="JournalBatches"/>). On the embedded SQLite file the feed's own batches (a commit's events) go through
    /// the stream whole, and only batches waiting together are joined: the stream carries a few elements per commit
    /// instead of one per event.
    /// </summary>
    public static Source<IList<JournalEvent>, NotUsed> LiveCustomerEventBatches(ActorSystem system, long afterOffset, int max) =>
        Persistence.SqliteJournalFeed.Get(system) is { Enabled: true } feed
            ? feed.EventBatches(afterOffset, live: true).Via(JournalBatches.Joined(max))
            : ReadJournal(system).AllEvents(From(afterOffset)).CustomerEventsOnly().Via(JournalBatches.UpTo(max));

    private static Offset From(long afterOffset) => afterOffset == 0 ? Offset.NoOffset() : Offset.Sequence(afterOffset);

    private static Source<JournalEvent, NotUsed> CustomerEventsOnly(this Source<EventEnvelope, NotUsed> envelopes) =>
        envelopes
            .Where(e => e.PersistenceId.StartsWith(CustomerActor.PersistencePrefix, StringComparison.Ordinal)
                        && e.Event is CustomerEvent)
            .Select(e => new JournalEvent(
                e.PersistenceId[CustomerActor.PersistencePrefix.Length..],
                e.SequenceNr,
                e.Offset is Sequence s ? s.Value : 0,
                (CustomerEvent)e.Event));
}
