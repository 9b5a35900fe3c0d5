using System.Runtime.CompilerServices;
using LoyaltyActors.Actors.Customers;
using LoyaltyActors.Actors.Serialization;
using LoyaltyActors.Domain.Customers;
using Microsoft.Data.Sqlite;

namespace LoyaltyActors.Actors.Persistence;

/// <summary>A customer as its actor would recover it: the state, its highest sequence number, and events since its last snapshot.</summary>
public sealed record StoredCustomer(CustomerState State, long HighestSequenceNr, int EventsSinceSnapshot)
{
    public static StoredCustomer New { get; } = new(CustomerState.Empty, 0, 0);
}

/// <summary>One event to append at the customer's next sequence number; the writer serialises it as the actors' serializer does.</summary>
public readonly record struct BulkRow(string PersistenceId, long SequenceNr, CustomerEvent Event);

/// <summary>One snapshot to store (older ones of the customer are removed, as the actor does after a snapshot succeeded).</summary>
public readonly record struct BulkSnapshot(string PersistenceId, long SequenceNr, CustomerState State);

/// <summary>
/// The embedded SQLite journal read and written directly, for an offline bulk replay: exactly the rows
/// Akka.Persistence.Sql writes for a customer actor (table <c>journal</c>, Csv tag mode with no tags, the
/// <see cref="LoyaltySerializer"/> identifier and manifests) and the snapshots its snapshot store writes.
/// Only valid while this process is the database's one writer (the data dir's lock): nothing else may
/// write the file meanwhile, so the highest sequence numbers read here stay true.
/// </summary>
public sealed class BulkJournal : IDisposable
{
    // The plugin's own DDL (linq2db, Akka.Persistence.Sql default table mapping) as it creates it on SQLite,
    // so a data dir first written here is the same file the plugin would have made.
    private const string Schema = """
        CREATE TABLE IF NOT EXISTS [journal]
        (
        	[ordering]        INTEGER        NOT NULL PRIMARY KEY AUTOINCREMENT,
        	[created]         INTEGER        NOT NULL,
        	[deleted]         Bit            NOT NULL,
        	[persistence_id]  NVarChar(255)  NOT NULL,
        	[sequence_number] INTEGER        NOT NULL,
        	[message]         VarBinary      NOT NULL,
        	[tags]            NVarChar(100)      NULL,
        	[manifest]        NVarChar(500)      NULL,
        	[identifier]      INTEGER            NULL,
        	[writer_uuid]     NVarChar(128)      NULL
        );
        CREATE UNIQUE INDEX IF NOT EXISTS journal_uq ON journal (persistence_id, sequence_number);
        CREATE INDEX IF NOT EXISTS journal_created_idx ON journal (created);
        CREATE INDEX IF NOT EXISTS journal_sequence_number_idx ON journal (sequence_number);
        CREATE TABLE IF NOT EXISTS [snapshot]
        (
        	[persistence_id]  NVarChar(255) NOT NULL,
        	[sequence_number] INTEGER       NOT NULL,
        	[created]         INTEGER       NOT NULL,
        	[snapshot]        VarBinary         NULL,
        	[manifest]        NVarChar(500)     NULL,
        	[serializer_id]   INTEGER           NULL,

        	CONSTRAINT [PK_snapshot] PRIMARY KEY ([persistence_id], [sequence_number])
        );
        CREATE INDEX IF NOT EXISTS snapshot_sequence_number_idx ON snapshot (sequence_number);
        CREATE INDEX IF NOT EXISTS snapshot_created_idx ON snapshot (created);
        """;

    private readonly string _connectionString;
    private readonly SqliteConnection _read;
    private readonly SqliteCommand _loadSnapshot;
    private readonly SqliteCommand _loadEvents;
    private readonly HashSet<string> _stored;

    private BulkJournal(string connectionString, SqliteConnection read, HashSet<string> stored)
    {
        _connectionString = connectionString;
        _read = read;
        _stored = stored;
        _loadSnapshot = read.CreateCommand();
        _loadSnapshot.CommandText =
            "SELECT sequence_number, snapshot, manifest, serializer_id FROM snapshot WHERE persistence_id = $p ORDER BY sequence_number DESC LIMIT 1";
        _loadSnapshot.Parameters.Add("$p", SqliteType.Text);
        _loadEvents = read.CreateCommand();
        _loadEvents.CommandText =
            "SELECT sequence_number, deleted, message, manifest, identifier FROM journal WHERE persistence_id = $p AND sequence_number > $from ORDER BY sequence_number";
        _loadEvents.Parameters.Add("$p", SqliteType.Text);
        _loadEvents.Parameters.Add("$from", SqliteType.Integer);
    }

    /// <summary>How many customers had anything stored when the journal was opened, or were written since.</summary>
    public int StoredCustomers => _stored.Count;

    /// <summary>Prepares the file (WAL, synchronous=FULL, see <see cref="SqliteSetup"/>), creates the tables if new, and notes which customers it holds.</summary>
    public static BulkJournal Open(string connectionString)
    {
        SqliteSetup.Prepare(connectionString);
        var read = new SqliteConnection(connectionString);
        try
        {
            read.Open();
            using (var create = read.CreateCommand())
            {
                create.CommandText = Schema;
                create.ExecuteNonQuery();
            }

            var stored = new HashSet<string>(StringComparer.Ordinal);
            using (var ids = read.CreateCommand())
            {
                ids.CommandText = "SELECT DISTINCT persistence_id FROM journal UNION SELECT DISTINCT persistence_id FROM snapshot";
                using var reader = ids.ExecuteReader();
                while (reader.Read()) stored.Add(reader.GetString(0));
            }

            return new BulkJournal(connectionString, read, stored);
        }
        catch
        {
            read.Dispose();
            throw;
        }
    }

    public static string PersistenceIdOf(string customerId) => CustomerActor.PersistencePrefix + customerId;

    /// <summary>
    /// The customer as its actor recovers it: the latest snapshot, then every later event not deleted, in order;
    /// the highest sequence number counts deleted rows too (an erased customer's tombstone keeps the numbering going).
    /// Reads committed data only: a customer with a write still in flight must not be loaded.
    /// </summary>
    public StoredCustomer Load(string customerId)
    {
        var persistenceId = PersistenceIdOf(customerId);
        if (!_stored.Contains(persistenceId)) return StoredCustomer.New;

        var state = CustomerState.Empty;
        long from = 0;
        _loadSnapshot.Parameters[0].Value = persistenceId;
        using (var r = _loadSnapshot.ExecuteReader())
        {
            if (r.Read())
            {
                from = r.GetInt64(0);
                CheckSerializer(r.IsDBNull(3) ? null : r.GetInt32(3), persistenceId);
                state = (CustomerState)BinaryCodec.Read((byte[])r.GetValue(1), r.GetString(2));
            }
        }

        var highest = from;
        var since = 0;
        _loadEvents.Parameters[0].Value = persistenceId;
        _loadEvents.Parameters[1].Value = from;
        using (var r = _loadEvents.ExecuteReader())
        {
            while (r.Read())
            {
                highest = Math.Max(highest, r.GetInt64(0));
                if (r.GetBoolean(1)) continue;
                CheckSerializer(r.IsDBNull(4) ? null : r.GetInt32(4), persistenceId);
                state = state.Apply((CustomerEvent)BinaryCodec.Read((byte[])r.GetValue(2), r.GetString(3)));
                since++;
            }
        }

        return new StoredCustomer(state, highest, since);
    }

    /// <summary>Notes that <paramref name="customerId"/> now has rows (written by a <see cref="BulkJournalWriter"/> and committed).</summary>
    public void MarkStored(string customerId) => _stored.Add(PersistenceIdOf(customerId));

    /// <summary>A writer on its own connection (it may run on another thread than <see cref="Load"/>).</summary>
    /// <param name="nowTicks">Wall-clock time in <see cref="DateTime.Ticks"/> (UTC) for the rows' <c>created</c> column, as the plugin stamps them.</param>
    public BulkJournalWriter CreateWriter(Func<long> nowTicks) => new(_connectionString, nowTicks);

    private static void CheckSerializer(int? identifier, string persistenceId)
    {
        if (identifier != LoyaltySerializer.SerializerId)
            throw new InvalidOperationException($"{persistenceId}: a row was written by serializer {identifier?.ToString() ?? "none"}, not the loyalty serializer ({LoyaltySerializer.SerializerId})");
    }

    public void Dispose()
    {
        _loadSnapshot.Dispose();
        _loadEvents.Dispose();
        _read.Dispose();
    }
}

/// <summary>
/// Appends rows in large transactions with one prepared statement. <see cref="Write"/> returns only after the
/// transaction committed (WAL, synchronous=FULL: synced to disk), so whatever it held is durable.
/// </summary>
public sealed class BulkJournalWriter : IDisposable
{
    private readonly SqliteConnection _connection;
    private readonly JournalInsert _insert;
    private readonly BinaryCodec.Encoder _encoder = new();
    private readonly SqliteCommand _deleteSnapshots;
    private readonly SqliteCommand _insertSnapshot;
    private readonly Func<long> _nowTicks;
    private readonly string _writerUuid = Guid.NewGuid().ToString("N");

    internal BulkJournalWriter(string connectionString, Func<long> nowTicks)
    {
        _nowTicks = nowTicks;
        _connection = new SqliteConnection(connectionString);
        _connection.Open();
        using (var pragma = _connection.CreateCommand())
        {
            // A larger page cache only keeps more of the indexes in memory; durability stays WAL + synchronous=FULL.
            // Checkpoints are made less often than after every large transaction; each commit is still synced (WAL).
            pragma.CommandText = "PRAGMA cache_size = -65536; PRAGMA wal_autocheckpoint = 16384; PRAGMA synchronous;";
            var sync = Convert.ToInt32(pragma.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
            if (sync < 2) throw new InvalidOperationException($"the journal opens with synchronous={sync}; acknowledged events need FULL (2)");
        }

        _insert = new JournalInsert(_connection, _writerUuid);

        _deleteSnapshots = _connection.CreateCommand();
        _deleteSnapshots.CommandText = "DELETE FROM snapshot WHERE persistence_id = $p AND sequence_number < $s";
        _deleteSnapshots.Parameters.Add("$p", SqliteType.Text);
        _deleteSnapshots.Parameters.Add("$s", SqliteType.Integer);

        _insertSnapshot = _connection.CreateCommand();
        _insertSnapshot.CommandText = """
            INSERT OR REPLACE INTO snapshot (persistence_id, sequence_number, created, snapshot, manifest, serializer_id)
            VALUES ($p, $s, $created, $state, $manifest, $identifier)
            """;
        _insertSnapshot.Parameters.Add("$p", SqliteType.Text);
        _insertSnapshot.Parameters.Add("$s", SqliteType.Integer);
        _insertSnapshot.Parameters.Add("$created", SqliteType.Integer);
        _insertSnapshot.Parameters.Add("$state", SqliteType.Blob);
        _insertSnapshot.Parameters.Add("$manifest", SqliteType.Text);
        _insertSnapshot.Parameters.AddWithValue("$identifier", LoyaltySerializer.SerializerId);
    }

    private SqliteTransaction? _open;

    /// <summary>
    /// Writes the rows and snapshots into the open transaction (opening one if none is): nothing of it is durable, or seen by
    /// another connection, before <see cref="Commit"/>; disposing the writer before then rolls it all back.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Append(IReadOnlyList<BulkRow> rows, IReadOnlyList<BulkSnapshot> snapshots)
    {
        if (rows.Count == 0 && snapshots.Count == 0) return;
        if (_open is null)
        {
            _open = _connection.BeginTransaction();
            _deleteSnapshots.Transaction = _open;
            _insertSnapshot.Transaction = _open;
        }

        var created = _nowTicks();
        foreach (var row in rows)
        {
            // Serialised here, on the writer's thread, while the replay decides the next commands on its own. No tags.
            _insert.Insert(created, row.PersistenceId, row.SequenceNr, _encoder.Encode(row.Event), "", BinaryCodec.ManifestOf(row.Event),
                LoyaltySerializer.SerializerId);
        }

        foreach (var s in snapshots)
        {
            _deleteSnapshots.Parameters[0].Value = s.PersistenceId;
            _deleteSnapshots.Parameters[1].Value = s.SequenceNr;
            _deleteSnapshots.ExecuteNonQuery();
            _insertSnapshot.Parameters[0].Value = s.PersistenceId;
            _insertSnapshot.Parameters[1].Value = s.SequenceNr;
            _insertSnapshot.Parameters[2].Value = created;
            _insertSnapshot.Parameters[3].Value = BinaryCodec.Write(s.State);
            _insertSnapshot.Parameters[4].Value = BinaryCodec.ManifestOf(s.State);
            _insertSnapshot.ExecuteNonQuery();
        }
    }

    /// <summary>Commits the open transaction, if any: everything appended since the last commit is durable when this returns.</summary>
    public void Commit()
    {
        if (_open is not { } tx) return;
        _open = null;
        tx.Commit();
        tx.Dispose();
    }

    public void Dispose()
    {
        _open?.Dispose(); // rolls back what was appended and not committed
        _insert.Dispose();
        _deleteSnapshots.Dispose();
        _insertSnapshot.Dispose();
        _connection.Dispose();
    }
}
