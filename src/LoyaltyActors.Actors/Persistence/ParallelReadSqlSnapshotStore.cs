using Akka.Actor;
using Akka.Configuration;
using Akka.Persistence;
using Akka.Persistence.Sql.Snapshot;
using Microsoft.Data.Sqlite;

namespace LoyaltyActors.Actors.Persistence;

/// <summary>
/// Akka.Persistence.Sql's snapshot store with loads run on the thread pool. On SQLite the plugin's
/// "async" reads complete synchronously, so every recovering customer's snapshot load ran one after
/// the other on this actor's thread. With <c>known-ids-cache = on</c> (single writer only) a customer
/// that never saved a snapshot is answered without a query. On SQLite the load of the latest snapshot
/// (by sequence number, the criteria a recovery uses) is one prepared statement on a pooled read-only
/// connection (<see cref="SqliteReadPool{T}"/>) instead of a linq2db query built per call; it reads the
/// same row the plugin reads and deserialises it the same way (the row's serializer id and manifest).
/// Other criteria (a maximum timestamp) use the plugin's query, on the thread pool.
/// </summary>
public sealed class ParallelReadSqlSnapshotStore : SqlSnapshotStore
{
    private readonly KnownIds? _known;
    private readonly SqliteReadPool<SnapshotReader>? _readers;
    private readonly Akka.Serialization.Serialization _serialization;

    public ParallelReadSqlSnapshotStore(Config snapshotConfig)
        : base(snapshotConfig)
    {
        _serialization = Context.System.Serialization;
        if (snapshotConfig.GetBoolean("known-ids-cache", false))
            _known = KnownIds.Load(snapshotConfig.GetString("connection-string"), "snapshot");
        if (snapshotConfig.GetString("provider-name", "").Contains("SQLite", StringComparison.OrdinalIgnoreCase))
            _readers = new SqliteReadPool<SnapshotReader>(snapshotConfig.GetString("connection-string"), c => new SnapshotReader(c));
    }

    protected override Task<SelectedSnapshot?> LoadAsync(string persistenceId, SnapshotSelectionCriteria criteria, CancellationToken cancellationToken)
    {
        if (_known is not null && !_known.MayContain(persistenceId)) return Task.FromResult<SelectedSnapshot?>(null);
        if (_readers is { } readers && criteria.MaxTimeStamp == DateTime.MaxValue)
        {
            var serialization = _serialization;
            return Task.Run(async () =>
            {
                var (found, snapshot) = readers.Use(r => r.Latest(serialization, persistenceId, criteria.MaxSequenceNr));
                // Not answerable here (a created column that is not the plugin's ticks): the plugin's own query.
                return found ? snapshot : await base.LoadAsync(persistenceId, criteria, cancellationToken).ConfigureAwait(false);
            }, cancellationToken);
        }

        return Task.Run(() => base.LoadAsync(persistenceId, criteria, cancellationToken), cancellationToken);
    }

    protected override Task SaveAsync(SnapshotMetadata metadata, object snapshot, CancellationToken cancellationToken)
    {
        _known?.Add(metadata.PersistenceId);
        return base.SaveAsync(metadata, snapshot, cancellationToken);
    }

    private ICancelable? _nudge;

    protected override void PreStart()
    {
        base.PreStart();
        _nudge = MailboxNudge.Start(Context);
    }

    protected override bool ReceivePluginInternal(object message) => message is MailboxNudge || base.ReceivePluginInternal(message);

    protected override void PostStop()
    {
        _nudge?.Cancel();
        try
        {
            base.PostStop();
        }
        finally
        {
            _readers?.Dispose();
        }
    }

    /// <summary>One open connection with the latest-snapshot statement prepared on it.</summary>
    internal sealed class SnapshotReader : IDisposable
    {
        private readonly SqliteConnection _connection;
        private readonly SqliteCommand _latest;

        public SnapshotReader(SqliteConnection connection)
        {
            _connection = connection;
            _latest = connection.CreateCommand();
            // The plugin's query: the newest snapshot at or below the sequence number (primary key persistence_id, sequence_number).
            _latest.CommandText = """
                SELECT sequence_number, created, snapshot, manifest, serializer_id
                FROM snapshot
                WHERE persistence_id = $id AND sequence_number <= $max
                ORDER BY sequence_number DESC
                LIMIT 1
                """;
            _latest.CommandTimeout = 30;
            _latest.Parameters.Add(new SqliteParameter("$id", null));
            _latest.Parameters.Add(new SqliteParameter("$max", null));
            _latest.Prepare();
        }

        /// <summary>(true, snapshot or null when there is none), or (false, null) when the row is not in the expected shape.</summary>
        public (bool Found, SelectedSnapshot? Snapshot) Latest(Akka.Serialization.Serialization serialization, string persistenceId, long maxSequenceNr)
        {
            _latest.Parameters[0].Value = persistenceId;
            _latest.Parameters[1].Value = maxSequenceNr;
            using var reader = _latest.ExecuteReader();
            if (!reader.Read()) return (true, null);
            // The plugin's row on SQLite: created holds DateTime ticks (LongSnapshotRow).
            if (reader.GetValue(1) is not long ticks) return (false, null);
            var payload = reader.IsDBNull(2) ? null : (byte[])reader.GetValue(2);
            var manifest = reader.IsDBNull(3) ? null : reader.GetString(3);
            object snapshot;
            if (reader.IsDBNull(4))
            {
                var type = Type.GetType(manifest ?? throw new InvalidOperationException("snapshot row has neither serializer id nor manifest"), true)!;
                snapshot = Akka.Serialization.Serialization.WithTransport(serialization.System, (serialization, payload, type),
                    state => state.serialization.FindSerializerForType(state.type).FromBinary(state.payload!, state.type));
            }
            else
            {
                snapshot = serialization.Deserialize(payload!, reader.GetInt32(4), manifest);
            }

            return (true, new SelectedSnapshot(new SnapshotMetadata(persistenceId, reader.GetInt64(0), new DateTime(ticks)), snapshot));
        }

        public void Dispose()
        {
            _latest.Dispose();
            _connection.Dispose();
        }
    }
}
