using System.Collections.Immutable;
using Akka.Persistence;
using Microsoft.Data.Sqlite;

namespace LoyaltyActors.Actors.Persistence;

/// <summary>
/// Writes journal rows to the embedded SQLite journal in exactly the layout Akka.Persistence.Sql writes and reads
/// (<c>ordering</c> assigned by SQLite, <c>created</c> in ticks, <c>deleted</c> 0, CSV tags, the payload serializer's
/// id and string manifest, this journal's writer uuid), through one long-lived connection and one prepared INSERT,
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
    private SqliteCommand? _insert;
    private SqliteParameter _created = null!, _persistenceId = null!, _sequenceNr = null!, _message = null!, _tags = null!, _manifest = null!, _identifier = null!;

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
        using var transaction = _connection!.BeginTransaction(deferred: false);
        insert.Transaction = transaction;
        try
        {
            foreach (var batch in rows)
            {
                if (batch is null) continue;
                foreach (var row in batch)
                {
                    _created.Value = row.Created;
                    _persistenceId.Value = row.PersistenceId;
                    _sequenceNr.Value = row.SequenceNr;
                    _message.Value = row.Message;
                    _tags.Value = row.Tags;
                    _manifest.Value = row.Manifest;
                    _identifier.Value = row.Identifier;
                    insert.ExecuteNonQuery();
                }
            }

            transaction.Commit();
        }
        catch
        {
            // A failed statement or commit may leave the connection in any state: start the next batch on a new one.
            Reset();
            throw;
        }
        finally
        {
            insert.Transaction = null;
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

    private SqliteCommand Insert()
    {
        if (_insert is not null) return _insert;
        _connection = new SqliteConnection(_connectionString);
        _connection.Open();
        _insert = InsertCommand(_connection, _writerUuid);
        (_created, _persistenceId, _sequenceNr, _message, _tags, _manifest, _identifier) =
            (_insert.Parameters[0], _insert.Parameters[1], _insert.Parameters[2], _insert.Parameters[3], _insert.Parameters[4], _insert.Parameters[5], _insert.Parameters[6]);
        _insert.Prepare();
        return _insert;
    }

    /// <summary>
    /// The one INSERT of a journal row in the plugin's layout, shared by the live journal and the bulk replay. Its
    /// parameters, in order: created (ticks), persistence id, sequence number, message, tags, manifest, serializer id;
    /// the writer uuid is fixed per command.
    /// </summary>
    internal static SqliteCommand InsertCommand(SqliteConnection connection, string writerUuid)
    {
        var insert = connection.CreateCommand();
        insert.CommandText = """
            INSERT INTO journal (created, deleted, persistence_id, sequence_number, message, tags, manifest, identifier, writer_uuid)
            VALUES ($created, 0, $pid, $seq, $message, $tags, $manifest, $identifier, $writer)
            """;
        insert.Parameters.Add("$created", SqliteType.Integer);
        insert.Parameters.Add("$pid", SqliteType.Text);
        insert.Parameters.Add("$seq", SqliteType.Integer);
        insert.Parameters.Add("$message", SqliteType.Blob);
        insert.Parameters.Add("$tags", SqliteType.Text);
        insert.Parameters.Add("$manifest", SqliteType.Text);
        insert.Parameters.Add("$identifier", SqliteType.Integer);
        insert.Parameters.AddWithValue("$writer", writerUuid);
        return insert;
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
