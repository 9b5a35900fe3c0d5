using System.Collections.Immutable;
using Akka.Persistence;
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
    public IImmutableList<Exception?>? Write(IReadOnlyList<AtomicWrite> writes)
    {
        var rows = new List<Row>?[writes.Count];
        var results = new Exception?[writes.Count];
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
        try
        {
            using var transaction = _connection!.BeginTransaction(deferred: false);
            foreach (var batch in rows)
            {
                if (batch is null) continue;
                foreach (var row in batch)
                    insert.Insert(row.Created, row.PersistenceId, row.SequenceNr, row.Message, row.Tags, row.Manifest, row.Identifier);
            }

            transaction.Commit();
        }
        catch
        {
            // A failed statement or commit may leave the connection in any state: start the next batch on a new one.
            Reset();
            throw;
        }

        return Array.TrueForAll(results, r => r is null) ? null : results.ToImmutableList();
    }

    private List<Row> Serialize(AtomicWrite write, long now)
    {
        var payloads = (IImmutableList<IPersistentRepresentation>)write.Payload;
        var rows = new List<Row>(payloads.Count);
        foreach (var p in payloads)
        {
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
            rows.Add(new Row(p.Timestamp == 0 ? now : p.Timestamp, p.PersistenceId, p.SequenceNr, serializer.ToBinary(payload), tags, manifest, serializer.Identifier));
        }

        return rows;
    }

    private JournalInsert Insert()
    {
        if (_insert is not null) return _insert;
        _connection = new SqliteConnection(_connectionString);
        _connection.Open();
        _insert = new JournalInsert(_connection, _writerUuid);
        return _insert;
    }

    private void Reset()
    {
        _insert?.Dispose();
        _connection?.Dispose();
        _insert = null;
        _connection = null;
    }

    public void Dispose() => Reset();

    private readonly record struct Row(long Created, string PersistenceId, long SequenceNr, byte[] Message, string Tags, string Manifest, int Identifier);
}
