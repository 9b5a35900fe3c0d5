using System.Collections.Immutable;
using Akka.Actor;
using Akka.Configuration;
using Akka.Event;
using Akka.Persistence;
using Akka.Persistence.Sql.Journal;
using LoyaltyActors.Actors.Metrics;

namespace LoyaltyActors.Actors.Persistence;

/// <summary>
/// Akka.Persistence.Sql's journal with real group commit. The stock journal hands every
/// <c>WriteMessages</c> to its DAO as it arrives, and its batching stage flushes eagerly, so on SQLite
/// each event became its own transaction and its own fsync (measured: 1,134 fsyncs for 1,000
/// concurrent single-event writes). Here at most one write is in flight: everything that arrives while
/// it commits is queued, and when it completes the whole queue goes to the DAO as one merged write,
/// i.e. one transaction, one fsync. Batches grow by themselves under load and stay at one write
/// (lowest latency) when idle. Each caller still gets exactly its own results, and nothing is
/// confirmed before the transaction holding it committed.
/// </summary>
/// <remarks>
/// Everything here runs on the journal actor's thread: the base class reads <c>Self</c> and keeps
/// unsynchronised state, so completion of a write is reported back as a message, never handled on
/// the thread pool. Configure with <c>group-commit-max-rows</c> (the largest merged write).
/// </remarks>
public sealed partial class GroupCommitSqlJournal : SqlWriteJournal
{
    private readonly int _maxRows;
    private readonly Queue<PendingWrite> _waiting = new();
    private readonly Dictionary<string, Task> _latestByPersistenceId = new(StringComparer.Ordinal);
    private readonly KnownIds? _known;
    private bool _inFlight;
    private readonly string? _sqliteConnectionString;
    private SqliteJournalWriter? _writer;
    private SqliteJournalFeed? _feed;

    public GroupCommitSqlJournal(Config journalConfig)
        : base(journalConfig)
    {
        _maxRows = Math.Max(1, journalConfig.GetInt("group-commit-max-rows", 5000));
        if (journalConfig.GetBoolean("known-ids-cache", false))
            _known = KnownIds.Load(journalConfig.GetString("connection-string"), "journal");
        if (journalConfig.GetString("provider-name", "").Contains("SQLite", StringComparison.OrdinalIgnoreCase))
            _sqliteConnectionString = journalConfig.GetString("connection-string");
    }

    /// <summary>
    /// The plugin keeps the highest deleted row (flagged, payload and all) so that the highest sequence number survives.
    /// When a later row exists, such as an erased customer's tombstone, that row is not needed: it is removed too, so an
    /// erasure leaves no event of the customer behind.
    /// </summary>
    protected override async Task DeleteMessagesToAsync(string persistenceId, long toSequenceNr, CancellationToken cancellationToken)
    {
        var feed = _sqliteConnectionString is null ? null : _feed ??= SqliteJournalFeed.Get(Context.System);
        try
        {
            await DeleteRowsAsync(persistenceId, toSequenceNr, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            // Batches the feed keeps (committed ones handed over, recent reads) may hold the rows just deleted: a reader
            // that comes later reads the file again, as it would have before any batch was kept.
            feed?.Forget();
        }
    }

    private async Task DeleteRowsAsync(string persistenceId, long toSequenceNr, CancellationToken cancellationToken)
    {
        await base.DeleteMessagesToAsync(persistenceId, toSequenceNr, cancellationToken).ConfigureAwait(false);
        if (_sqliteConnectionString is null) return;
        await using var connection = new Microsoft.Data.Sqlite.SqliteConnection(_sqliteConnectionString);
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var delete = connection.CreateCommand();
        delete.CommandText = """
            DELETE FROM journal WHERE persistence_id = $id AND sequence_number <= $to
              AND EXISTS (SELECT 1 FROM journal later WHERE later.persistence_id = $id AND later.sequence_number > $to)
            """;
        delete.Parameters.AddWithValue("$id", persistenceId);
        delete.Parameters.AddWithValue("$to", toSequenceNr);
        await delete.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    protected override Task<IImmutableList<Exception>> WriteMessagesAsync(IEnumerable<AtomicWrite> messages, CancellationToken cancellationToken) =>
        Enqueue(messages as IReadOnlyList<AtomicWrite> ?? messages.ToList(), null);

    /// <summary>
    /// On the embedded SQLite journal, a persistent actor's <see cref="WriteMessages"/> of atomic writes is queued for the
    /// next group commit here and answered straight from the commit, in the journal protocol's order
    /// (<see cref="WriteMessagesSuccessful"/>, then one <see cref="WriteMessageSuccess"/> per event with the event's
    /// sender; or <see cref="WriteMessagesFailed"/>, then one <see cref="WriteMessageFailure"/> per event). The base class
    /// would run each actor's write through a circuit breaker (a timer and a cancellation source per write) and send
    /// every reply through its resequencer actor (one more message per event): per event, under HTTP ingest, a tenth of
    /// the server's allocations. Ordering is kept where the protocol needs it: an actor has at most one write
    /// outstanding, and its replies are told in order from one thread. Nothing is answered before the transaction holding
    /// the write committed, as before.
    /// </summary>
    protected override bool AroundReceive(Receive receive, object message)
    {
        if (_sqliteConnectionString is null || message is not WriteMessages write) return base.AroundReceive(receive, message);
        var writes = new List<AtomicWrite>();
        foreach (var envelope in write.Messages)
        {
            // Anything but atomic writes (PersistAsync's loop-backs) keeps the base class's path.
            if (envelope is not AtomicWrite atomic) return base.AroundReceive(receive, message);
            writes.Add(atomic);
        }

        Enqueue(writes, write);
        return true;
    }

    private Task<IImmutableList<Exception>> Enqueue(IReadOnlyList<AtomicWrite> writes, WriteMessages? answer)
    {
        var rows = 0;
        for (var i = 0; i < writes.Count; i++) rows += writes[i].Size;
        var pending = new PendingWrite(writes, rows, answer);
        _waiting.Enqueue(pending);
        for (var i = 0; i < writes.Count; i++)
        {
            var w = writes[i];
            _latestByPersistenceId[w.PersistenceId] = pending.Done.Task;
            _known?.Add(w.PersistenceId);
        }
        if (!_inFlight) StartNext();
        return pending.Done.Task;
    }

    private ICancelable? _nudge;

    protected override void PreStart()
    {
        base.PreStart();
        _nudge = MailboxNudge.Start(Context);
    }

    protected override bool ReceivePluginInternal(object message)
    {
        if (message is MailboxNudge) return true;
        if (message is GetWriteQueue)
        {
            Sender.Tell(new WriteQueue(_inFlight, _waiting.Sum(p => p.Rows)));
            return true;
        }

        if (message is not BatchWritten done) return base.ReceivePluginInternal(message);
        _inFlight = false;
        foreach (var p in done.Batch)
        {
            for (var i = 0; i < p.Writes.Count; i++)
            {
                var w = p.Writes[i];
                if (_latestByPersistenceId.TryGetValue(w.PersistenceId, out var latest) && latest == p.Done.Task)
                    _latestByPersistenceId.Remove(w.PersistenceId);
            }
        }

        if (_waiting.Count > 0) StartNext();
        return true;
    }

    private void StartNext()
    {
        var batch = new List<PendingWrite>();
        var rows = 0;
        while (_waiting.Count > 0 && (batch.Count == 0 || rows + _waiting.Peek().Rows <= _maxRows))
        {
            var next = _waiting.Dequeue();
            batch.Add(next);
            rows += next.Rows;
        }

        _inFlight = true;
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var log = Context.GetLogger();
        var merged = batch.Count == 1 ? batch[0].Writes : batch.SelectMany(p => p.Writes).ToList();
        Task<IImmutableList<Exception>> write;
        try
        {
            if (_sqliteConnectionString is not null)
            {
                // Our own prepared INSERT on the thread pool: the journal actor keeps queueing the next batch meanwhile.
                var writer = _writer ??= new SqliteJournalWriter(_sqliteConnectionString, Context.System.Serialization, PersistenceClock.Get(Context.System).NowTicks);
                var handOver = _feed ??= SqliteJournalFeed.Get(Context.System);
                write = Task.Run(() =>
                {
                    var (results, committed) = writer.Write(merged);
                    // Before any caller hears of the commit: the projections take these events from memory, not from the file.
                    if (committed is not null) handOver.HandOver(committed);
                    return (IImmutableList<Exception>)results!;
                });
            }
            else
            {
                write = base.WriteMessagesAsync(merged, CancellationToken.None);
            }
        }
        catch (Exception ex)
        {
            write = Task.FromException<IImmutableList<Exception>>(ex);
        }

        var self = Self;
        var feed = _feed ??= _sqliteConnectionString is null ? null : SqliteJournalFeed.Get(Context.System);
        write.ContinueWith(t =>
        {
            LoyaltyMetrics.JournalWriteSeconds.Observe(System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalSeconds);
            LoyaltyMetrics.JournalBatchRows.Observe(rows);
            if (t.IsCompletedSuccessfully)
            {
                feed?.Committed();
                // One result per AtomicWrite (null = written); hand each caller its own slice.
                var results = t.Result;
                var offset = 0;
                foreach (var p in batch)
                {
                    var own = results is null ? null : results.Skip(offset).Take(p.Writes.Count).ToImmutableList();
                    if (p.Answer is { } answer) Written(answer, p.Writes, own, self);
                    p.Done.TrySetResult(own!);
                    offset += p.Writes.Count;
                }
            }
            else
            {
                var error = t.Exception?.GetBaseException() ?? new OperationCanceledException("journal write canceled");
                LoyaltyMetrics.JournalWriteFailures.Inc();
                // No persistence ids here: they are customer ids.
                log.Error(error, "Journal write of {0} events from {1} callers failed; none of them was acknowledged", rows, batch.Count);
                foreach (var p in batch)
                {
                    if (p.Answer is { } answer) Failed(answer, p.Writes, error, self);
                    p.Done.TrySetException(error);
                }
            }

            self.Tell(new BatchWritten(batch));
        }, TaskContinuationOptions.ExecuteSynchronously);
    }

    /// <summary>The journal protocol's answer to a write that committed: per atomic write, null = stored, else why it was rejected.</summary>
    /// <remarks><paramref name="writes"/> are <paramref name="write"/>'s messages, all atomic writes; indexed, not enumerated through interfaces (a boxed enumerator each).</remarks>
    private static void Written(WriteMessages write, IReadOnlyList<AtomicWrite> writes, IImmutableList<Exception>? results, IActorRef journal)
    {
        var actor = write.PersistentActor;
        actor.Tell(WriteMessagesSuccessful.Instance, journal);
        for (var w = 0; w < writes.Count; w++)
        {
            var rejected = results?[w];
            var payloads = (IReadOnlyList<IPersistentRepresentation>)writes[w].Payload;
            for (var i = 0; i < payloads.Count; i++)
            {
                var p = payloads[i];
                actor.Tell(rejected is null
                    ? new WriteMessageSuccess(p, write.ActorInstanceId)
                    : new WriteMessageRejected(p, rejected, write.ActorInstanceId), p.Sender);
            }
        }
    }

    /// <summary>The journal protocol's answer to a write whose transaction failed: nothing of it is stored.</summary>
    private static void Failed(WriteMessages write, IReadOnlyList<AtomicWrite> writes, Exception error, IActorRef journal)
    {
        var actor = write.PersistentActor;
        actor.Tell(new WriteMessagesFailed(error, writes.Count), journal);
        for (var w = 0; w < writes.Count; w++)
        {
            var payloads = (IReadOnlyList<IPersistentRepresentation>)writes[w].Payload;
            for (var i = 0; i < payloads.Count; i++) actor.Tell(new WriteMessageFailure(payloads[i], error, write.ActorInstanceId), payloads[i].Sender);
        }
    }

    /// <param name="answer">The persistent actor's request when this journal answers it itself (see <see cref="AroundReceive"/>).</param>
    private sealed class PendingWrite(IReadOnlyList<AtomicWrite> writes, int rows, WriteMessages? answer)
    {
        public IReadOnlyList<AtomicWrite> Writes { get; } = writes;
        public int Rows { get; } = rows;
        public WriteMessages? Answer { get; } = answer;
        public TaskCompletionSource<IImmutableList<Exception>> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    private sealed record BatchWritten(List<PendingWrite> Batch);
}

/// <summary>Asks the journal for its <see cref="WriteQueue"/> (operators' diagnostics and tests).</summary>
public sealed class GetWriteQueue
{
    public static GetWriteQueue Instance { get; } = new();

    private GetWriteQueue()
    {
    }
}

/// <summary>Whether a write is being committed, and how many rows wait for the next one.</summary>
public sealed record WriteQueue(bool WriteInFlight, int QueuedRows);
