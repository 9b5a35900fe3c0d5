using Akka;
using Akka.Actor;
using Akka.Streams.Dsl;
using Akka.Util;
using LoyaltyActors.Actors.Customers;
using LoyaltyActors.Actors.Projections;
using LoyaltyActors.Domain.Customers;
using Microsoft.Data.Sqlite;

namespace LoyaltyActors.Actors.Persistence;

/// <summary>
/// The embedded SQLite journal read in journal order for the projections, by one prepared query per batch of rows,
/// and woken by the journal's own commits. The plugin's query side polls every refresh interval and builds each
/// batch's query and rows through linq2db: with three live projection streams that was a tenth of the server's CPU
/// under ingest, and up to a refresh interval of delay before a reward reached its notification.
/// </summary>
/// <remarks>
/// SQLite with this process as its only writer: rows become visible in <c>ordering</c> order, a whole transaction at
/// once, so "every row after the last one read" misses nothing. (PostgreSQL with several writers can expose
/// orderings out of order; there the plugin's query side, with its gap detection, is used.)
/// </remarks>
public sealed class SqliteJournalFeed : IExtension
{
    private const int RowsPerQuery = 1000;
    private readonly ExtendedActorSystem _system;
    private readonly TimeSpan _refresh;
    private TaskCompletionSource _nextCommit = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>
    /// The last batches read, by the offset they were read after. The live readers (program services, aggregators,
    /// recommender) follow the head together, woken by the same commits: the first to ask reads and deserialises a
    /// stretch of the journal, the others take it from here. Rows at or below a batch's last offset never change
    /// (single writer, orderings committed in order), so a batch stays exact; an erasure that deletes rows later only
    /// means a reader got them before the deletion, as it could have anyway.
    /// </summary>
    private readonly Dictionary<long, Batch> _recent = [];
    private readonly Queue<long> _recentOrder = new();
    private const int RecentBatches = 64;

    private sealed record Batch(long Last, int Rows, JournalEvent[] Events);

    private bool TryRecent(long after, out Batch batch)
    {
        lock (_recent) return _recent.TryGetValue(after, out batch!);
    }

    private void Remember(long after, Batch batch)
    {
        if (batch.Rows == 0) return;
        lock (_recent)
        {
            if (!_recent.TryAdd(after, batch)) return;
            _recentOrder.Enqueue(after);
            while (_recentOrder.Count > RecentBatches) _recent.Remove(_recentOrder.Dequeue());
        }
    }

    public SqliteJournalFeed(ExtendedActorSystem system)
    {
        _system = system;
        var config = system.Settings.Config;
        ConnectionString = config.GetString("akka.persistence.journal.sql.connection-string", "");
        Enabled = config.GetString("akka.persistence.journal.sql.provider-name", "").Contains("SQLite", StringComparison.OrdinalIgnoreCase)
                  && ConnectionString.Length > 0;
        _refresh = config.GetTimeSpan("akka.persistence.query.journal.sql.refresh-interval", TimeSpan.FromMilliseconds(100));
    }

    public static SqliteJournalFeed Get(ActorSystem system) => system.WithExtension<SqliteJournalFeed, Provider>();

    /// <summary>True when the journal is the embedded SQLite file: then <see cref="Events"/> serves the projections.</summary>
    public bool Enabled { get; }

    internal string ConnectionString { get; }

    /// <summary>
    /// Called by the SQLite journal's writer right after a commit, before anyone is told of it: the events it just
    /// committed, as they were persisted, become the batch every reader positioned at the end of the previous commit
    /// takes next, instead of reading the rows back and deserialising them. Exact because this process is the file's
    /// only writer and the transaction's orderings are one contiguous run (the writer checks; otherwise it hands
    /// nothing over and readers read the file).
    /// </summary>
    internal void HandOver(CommittedRows committed)
    {
        Remember(committed.After, new Batch(committed.Last, committed.Rows, committed.Events));
        Interlocked.Increment(ref _handedOver);
    }

    private long _handedOver;

    /// <summary>How many committed transactions the journal handed over in memory (diagnostics and tests).</summary>
    internal long HandedOver => Interlocked.Read(ref _handedOver);

    private long _fileReads;

    /// <summary>How many queries readers ran against the file (diagnostics and tests).</summary>
    internal long FileReads => Interlocked.Read(ref _fileReads);

    /// <summary>Drops every kept batch (after an erasure deleted rows some of them may hold).</summary>
    internal void Forget()
    {
        lock (_recent)
        {
            _recent.Clear();
            _recentOrder.Clear();
        }
    }

    /// <summary>Called by the journal after each commit: wakes every live reader waiting for new rows.</summary>
    public void Committed() => Interlocked.Exchange(ref _nextCommit, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();

    /// <summary>
    /// Customer events after <paramref name="afterOffset"/> in journal order. Not <paramref name="live"/>: completes at
    /// the first read that finds nothing new. Live: then waits for the next commit (or the refresh interval, whichever
    /// comes first) and reads again.
    /// </summary>
    public Source<JournalEvent, NotUsed> Events(long afterOffset, bool live) => EventBatches(afterOffset, live).SelectMany(batch => batch);

    /// <summary>
    /// <see cref="Events"/> as the batches they are read or handed over in (a commit's events, or up to a query's rows;
    /// never empty). The arrays are shared by every reader that takes the same stretch: read them, never change them.
    /// </summary>
    public Source<JournalEvent[], NotUsed> EventBatches(long afterOffset, bool live) =>
        Source.UnfoldResourceAsync<JournalEvent[], Reader>(
            () => Task.FromResult(new Reader(this, afterOffset, live)),
            reader => reader.NextAsync(),
            reader =>
            {
                reader.Dispose();
                return Task.FromResult(Done.Instance);
            });

    private sealed class Reader(SqliteJournalFeed feed, long afterOffset, bool live) : IDisposable
    {
        private long _after = afterOffset;
        private SqliteConnection? _connection;
        private SqliteCommand? _query;
        private SqliteParameter? _afterParameter;

        public async Task<Option<JournalEvent[]>> NextAsync()
        {
            while (true)
            {
                // Taken before the query: a commit that lands after the query finds nothing still wakes the wait below.
                var commit = Volatile.Read(ref feed._nextCommit).Task;
                if (!feed.TryRecent(_after, out var batch))
                {
                    var after = _after;
                    batch = await Task.Run(Read).ConfigureAwait(false);
                    feed.Remember(after, batch);
                }

                if (batch.Rows > 0) _after = batch.Last;
                if (batch.Rows > 0 && batch.Events.Length > 0) return Option<JournalEvent[]>.Create(batch.Events);
                if (batch.Rows > 0) continue; // only rows of other persistence ids in this stretch: read on
                if (!live) return Option<JournalEvent[]>.None;
                await Task.WhenAny(commit, Task.Delay(feed._refresh)).ConfigureAwait(false);
            }
        }

        private Batch Read()
        {
            if (_query is null)
            {
                _connection = new SqliteConnection(feed.ConnectionString);
                _connection.Open();
                _query = _connection.CreateCommand();
                _query.CommandText = $"""
                    SELECT ordering, persistence_id, sequence_number, message, manifest, identifier FROM journal
                    WHERE ordering > $after AND deleted = 0 ORDER BY ordering LIMIT {RowsPerQuery}
                    """;
                _afterParameter = _query.Parameters.Add("$after", SqliteType.Integer);
            }

            Interlocked.Increment(ref feed._fileReads);
            _afterParameter!.Value = _after;
            var events = new List<JournalEvent>(64);
            var rows = 0;
            var last = _after;
            var serialization = feed._system.Serialization;
            SqliteDataReader reader;
            try
            {
                reader = _query.ExecuteReader();
            }
            catch (SqliteException e) when (SqliteErrors.IsMissingTable(e) || SqliteErrors.IsSchemaChanged(e))
            {
                // A new data dir whose journal table the plugin has not created yet (nothing stored so far), or the plugins
                // changing the schema at start: read again on the next poll, with the statement prepared afresh.
                Dispose();
                _query = null;
                return new Batch(_after, 0, []);
            }

            using (reader)
            {
                while (reader.Read())
                {
                    rows++;
                    last = reader.GetInt64(0);
                    var persistenceId = reader.GetString(1);
                    if (!persistenceId.StartsWith(CustomerActor.PersistencePrefix, StringComparison.Ordinal)) continue;
                    var payload = serialization.Deserialize((byte[])reader.GetValue(3), reader.GetInt32(5), reader.IsDBNull(4) ? "" : reader.GetString(4));
                    if (payload is CustomerEvent e)
                        events.Add(new JournalEvent(persistenceId[CustomerActor.PersistencePrefix.Length..], reader.GetInt64(2), last, e));
                }
            }

            return new Batch(last, rows, events.ToArray());
        }

        public void Dispose()
        {
            _query?.Dispose();
            _connection?.Dispose();
        }
    }

    private sealed class Provider : ExtensionIdProvider<SqliteJournalFeed>
    {
        public override SqliteJournalFeed CreateExtension(ExtendedActorSystem system) => new(system);
    }
}
