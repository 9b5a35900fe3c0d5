using System.Collections.Immutable;
using Akka.Persistence;
using LoyaltyActors.Actors.Customers;
using LoyaltyActors.Actors.Projections;
using LoyaltyActors.Actors.Serialization;
using LoyaltyActors.Domain.Customers;
using Microsoft.Data.Sqlite;

namespace LoyaltyActors.Actors.Persistence;

/// <summary>
/// Writes journal rows to the embedded SQLite journal in exactly the layout Akka.Persistence.Sql writes and reads
/// (<c>ordering</c> assigned by SQLite, <c>created</c> in ticks, <c>deleted</c> 0, CSV tags, the payload serializer's
/// id and string manifest, this journal's writer uuid), through one long-lived connection and one prepared INSERT (<see cref="JournalInsert"/>),
/// one transaction per group commit. The plugin's own write path builds every batch as SQL text with literals
/// (linq2db's multi-row insert); profiled under HTTP ingest, that text building cost more CPU than SQLite's work.
/// </summary>
/// <remarks>
/// Not thread-safe: <see cref="GroupCommitSqlJournal"/> keeps at most one write in flight, so calls never overlap.
/// </remarks>
internal sealed class SqliteJournalWriter : IDisposable
{
    private readonly string _connectionString;
    private readonly Akka.Serialization.Serialization _serialization;
    private readonly Func<long> _nowTicks;
    private readonly string _writerUuid = Guid.NewGuid().ToString("N");
    private SqliteConnection? _connection;
    private JournalInsert? _insert;
    private SqliteCheckpointer? _checkpointer;

    /// <summary>
    /// Our own serializer's payloads of the batch being written, back to back: encoded by one reused encoder (the same
    /// bytes <see cref="LoyaltySerializer.ToBinary"/> returns) and bound from here, with no stream, writer and array per event.
    /// </summary>
    private readonly BinaryCodec.Encoder _encoder = new();
    private readonly MemoryStream _payloads = new(64 * 1024);

    public SqliteJournalWriter(string connectionString, Akka.Serialization.Serialization serialization, Func<long> nowTicks)
    {
        _connectionString = connectionString;
        _serialization = serialization;
        _nowTicks = nowTicks;
    }

    /// <summary>
    /// Serialises and inserts every write in one transaction. Returns one entry per write: null when written, the
    /// serialisation error when that write was rejected (nothing of it stored); null instead of a list when every write
    /// was stored. A database error throws: then no write of the batch is stored.
    /// </summary>
    /// <returns>
    /// The results, and the customer events just committed with their orderings (for <see cref="SqliteJournalFeed"/>):
    /// null when the transaction's orderings were not one contiguous run, so that the feed reads them from the file.
    /// </returns>
    public (IImmutableList<Exception?>? Results, CommittedRows? Committed) Write(IReadOnlyList<AtomicWrite> writes)
    {
        var rows = new List<Row>?[writes.Count];
        var results = new Exception?[writes.Count];
        _payloads.SetLength(0);
        var now = _nowTicks();
        for (var i = 0; i < writes.Count; i++)
        {
            try
            {
                rows[i] = Serialize(writes[i], now);
            }
            catch (Exception e)
            {
                results[i] = e;
            }
        }

        var insert = Insert();
        var events = new List<JournalEvent>(writes.Count);
        long first = 0, last = 0;
        var inserted = 0;
        var contiguous = true;
        try
        {
            using var transaction = _connection!.BeginTransaction(deferred: false);
            foreach (var batch in rows)
            {
                if (batch is null) continue;
                foreach (var row in batch)
                {
                    var message = row.Message ?? _payloads.GetBuffer().AsSpan(row.Offset, row.Length);
                    var ordering = insert.Insert(row.Created, row.PersistenceId, row.SequenceNr, message, row.Tags, row.Manifest, row.Identifier);
                    if (inserted++ == 0) first = ordering;
                    else contiguous &= ordering == last + 1;
                    last = ordering;
                    if (row.Event is { } e)
                        events.Add(new JournalEvent(row.PersistenceId[CustomerActor.PersistencePrefix.Length..], row.SequenceNr, ordering, e));
                }
            }

            transaction.Commit();
            _checkpointer?.Nudge();
        }
        catch
        {
            // A failed statement or commit may leave the connection in any state: start the next batch on a new one.
            Reset();
            throw;
        }

        var committed = inserted > 0 && contiguous ? new CommittedRows(first - 1, last, inserted, events.ToArray()) : null;
        return (Array.TrueForAll(results, r => r is null) ? null : results.ToImmutableList(), committed);
    }

    private List<Row> Serialize(AtomicWrite write, long now)
    {
        var payloads = (IImmutableList<IPersistentRepresentation>)write.Payload;
        var rows = new List<Row>(payloads.Count);
        for (var i = 0; i < payloads.Count; i++)
        {
            var p = payloads[i];
            var payload = p.Payload;
            var tags = "";
            if (payload is Akka.Persistence.Journal.Tagged tagged)
            {
                payload = tagged.Payload;
                tags = tagged.Tags.Count == 0 ? "" : ";" + string.Join(";", tagged.Tags) + ";";
            }

            var serializer = _serialization.FindSerializerFor(payload);
            var manifest = serializer switch
            {
                Akka.Serialization.SerializerWithStringManifest s => s.Manifest(payload),
                { IncludeManifest: true } => Akka.Util.TypeExtensions.TypeQualifiedName(payload.GetType()),
                _ => "",
            };
            // The feed hands the projections exactly what it would read back: customer persistence ids, customer events.
            var handOver = payload is CustomerEvent e && p.PersistenceId.StartsWith(CustomerActor.PersistencePrefix, StringComparison.Ordinal) ? e : null;
            byte[]? bytes = null;
            int offset = 0, length = 0;
            if (serializer is LoyaltySerializer)
            {
                var encoded = _encoder.Encode(payload);
                offset = (int)_payloads.Length;
                length = encoded.Length;
                _payloads.Write(encoded);
            }
            else
            {
                bytes = serializer.ToBinary(payload);
            }

            rows.Add(new Row(p.Timestamp == 0 ? now : p.Timestamp, p.PersistenceId, p.SequenceNr, bytes, offset, length, tags, manifest, serializer.Identifier, handOver));
        }

        return rows;
    }

    private JournalInsert Insert()
    {
        if (_insert is not null) return _insert;
        _connection = new SqliteConnection(_connectionString);
        _connection.Open();
        // The log is copied into the database file by a thread of its own, not inside this connection's commits.
        using (var pragma = _connection.CreateCommand())
        {
            pragma.CommandText = $"PRAGMA wal_autocheckpoint = {SqliteCheckpointer.WriterCheckpointPages};";
            pragma.ExecuteNonQuery();
        }

        _checkpointer = new SqliteCheckpointer(_connectionString);
        _insert = new JournalInsert(_connection, _writerUuid);
        return _insert;
    }

    private void Reset()
    {
        _checkpointer?.Dispose();
        _insert?.Dispose();
        _connection?.Dispose();
        _checkpointer = null;
        _insert = null;
        _connection = null;
    }

    public void Dispose() => Reset();

    /// <param name="Message">The payload, or null when it is <see cref="Length"/> bytes at <see cref="Offset"/> of the batch's payloads.</param>
    private readonly record struct Row(long Created, string PersistenceId, long SequenceNr, byte[]? Message, int Offset, int Length,
        string Tags, string Manifest, int Identifier, CustomerEvent? Event);
}

/// <summary>
/// One committed transaction of the journal: every row with <c>ordering</c> in (<paramref name="After"/>,
/// <paramref name="Last"/>], <paramref name="Rows"/> of them, and the customer events among them in ordering order.
/// </summary>
internal sealed record CommittedRows(long After, long Last, int Rows, JournalEvent[] Events);
