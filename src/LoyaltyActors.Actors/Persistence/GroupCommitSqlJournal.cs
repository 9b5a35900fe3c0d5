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

    protected override Task<IImmutableList<Exception>> WriteMessagesAsync(IEnumerable<AtomicWrite> messages, CancellationToken cancellationToken)
    {
        var writes = messages as IReadOnlyList<AtomicWrite> ?? messages.ToList();
        var pending = new PendingWrite(writes, writes.Sum(w => w.Size));
        _waiting.Enqueue(pending);
        foreach (var w in writes)
        {
            _latestByPersistenceId[w.PersistenceId] = pending.Done.Task;
            _known?.Add(w.PersistenceId);
        }
        if (!_inFlight) StartNext();
        return pending.Done.Task;
    }

    protected override bool ReceivePluginInternal(object message)
    {
        if (message is GetWriteQueue)
        {
            Sender.Tell(new WriteQueue(_inFlight, _waiting.Sum(p => p.Rows)));
            return true;
        }

        if (message is not BatchWritten done) return base.ReceivePluginInternal(message);
        _inFlight = false;
        foreach (var p in done.Batch)
        {
            foreach (var w in p.Writes)
            {
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
                write = Task.Run(() => (IImmutableList<Exception>)writer.Write(merged)!);
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
                    p.Done.TrySetResult(results is null
                        ? (IImmutableList<Exception>)null!
                        : results.Skip(offset).Take(p.Writes.Count).ToImmutableList());
                    offset += p.Writes.Count;
                }
            }
            else
            {
                var error = t.Exception?.GetBaseException() ?? new OperationCanceledException("journal write canceled");
                LoyaltyMetrics.JournalWriteFailures.Inc();
                // No persistence ids here: they are customer ids.
                log.Error(error, "Journal write of {0} events from {1} callers failed; none of them was acknowledged", rows, batch.Count);
                foreach (var p in batch) p.Done.TrySetException(error);
            }

            self.Tell(new BatchWritten(batch));
        }, TaskContinuationOptions.ExecuteSynchronously);
    }

    private sealed class PendingWrite(IReadOnlyList<AtomicWrite> writes, int rows)
    {
        public IReadOnlyList<AtomicWrite> Writes { get; } = writes;
        public int Rows { get; } = rows;
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
