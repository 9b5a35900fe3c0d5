using Akka.Actor;
using Akka.Actor.Internal;
using Akka.Persistence;
using Microsoft.Data.Sqlite;

namespace LoyaltyActors.Actors.Persistence;

/// <summary>
/// The recovery reads of the journal on SQLite: the highest sequence number and the replay, as two prepared
/// statements on pooled read-only connections (<see cref="SqliteReadPool{T}"/>), run on the thread pool.
/// </summary>
/// <remarks>
/// The plugin's replay built two linq2db queries per recovering customer (SQL generated and optimised on every call)
/// and materialised two Akka Streams graphs (an actor each) to carry a handful of rows; profiled on a cold restart
/// this was most of the CPU of a first touch. The rows read and the <see cref="Persistent"/> handed back are exactly
/// the plugin's: the same columns (ordering is not needed for a replay), the same filter (a row flagged deleted is
/// never replayed but still counts for the highest sequence number), the same order, the row's own serializer id and
/// manifest given to the actor system's serialization. <c>RecoveryReadsTests</c> compares both, event for event.
/// PostgreSQL keeps the stock journal (PersistenceHocon); a journal of this class on another database uses the
/// plugin's reads.
/// </remarks>
public sealed partial class GroupCommitSqlJournal
{
    private SqliteReadPool<JournalReader>? _readers;
    private object? _readersLock;
    private bool _readersCreated;

    private SqliteReadPool<JournalReader> Readers() =>
        LazyInitializer.EnsureInitialized(ref _readers, ref _readersCreated, ref _readersLock,
            () => new SqliteReadPool<JournalReader>(_sqliteConnectionString!, c => new JournalReader(c)))!;

    public override async Task<long> ReadHighestSequenceNrAsync(string persistenceId, long fromSequenceNr, CancellationToken cancellationToken)
    {
        // A customer this journal has never written has nothing stored: no query needed (single writer only).
        if (_known is not null && !_known.MayContain(persistenceId)) return 0;

        // A recovering actor must see its own writes that are still queued here.
        if (_latestByPersistenceId.TryGetValue(persistenceId, out var latest))
        {
            try
            {
                await latest.ConfigureAwait(false);
            }
            catch
            {
                // Success or failure, the write is over; the database now tells the truth.
            }
        }

        if (_sqliteConnectionString is null)
            return await base.ReadHighestSequenceNrAsync(persistenceId, fromSequenceNr, cancellationToken).ConfigureAwait(false);

        // Off this actor's thread: Microsoft.Data.Sqlite completes "async" calls synchronously, so a query here would
        // hold up every write and every other recovery. The replay that follows continues on the same pool thread.
        var readers = Readers();
        return await Task.Run(() => readers.Use(r => r.HighestSequenceNr(persistenceId, fromSequenceNr)), cancellationToken).ConfigureAwait(false);
    }

    public override Task ReplayMessagesAsync(
        IActorContext context,
        string persistenceId,
        long fromSequenceNr,
        long toSequenceNr,
        long max,
        Action<IPersistentRepresentation> recoveryCallback)
    {
        if (_sqliteConnectionString is null)
            return base.ReplayMessagesAsync(context, persistenceId, fromSequenceNr, toSequenceNr, max, recoveryCallback);

        var readers = Readers();
        var serialization = context.System.Serialization;
        void Replay() => readers.Use(r => r.Replay(serialization, persistenceId, fromSequenceNr, toSequenceNr, max, recoveryCallback));

        // Called from the continuation of the highest-sequence-number read, i.e. already on a pool thread: replay there.
        // Called from inside an actor (this journal's own thread), move off it first.
        if (InternalCurrentActorCellKeeper.Current is not null) return Task.Run(Replay);
        try
        {
            Replay();
            return Task.CompletedTask;
        }
        catch (Exception e)
        {
            return Task.FromException(e);
        }
    }

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
            // Only the one in-flight write uses the writer: close its connection unless that write still runs (then the
            // connection is left to the finaliser rather than pulled from under a commit).
            if (!_inFlight) _writer?.Dispose();
        }
    }

    /// <summary>One open connection with the journal's two recovery statements prepared on it.</summary>
    internal sealed class JournalReader : IDisposable
    {
        private readonly SqliteConnection _connection;
        private readonly SqliteCommand _highest;
        private readonly SqliteCommand _replay;

        public JournalReader(SqliteConnection connection)
        {
            _connection = connection;
            // The plugin's native-mode query (no metadata table): deleted rows count, they keep the highest number.
            _highest = Prepare(connection, """
                SELECT MAX(sequence_number) FROM journal WHERE persistence_id = $id AND sequence_number > $from
                """, "$id", "$from");
            // The plugin's replay query: unique index (persistence_id, sequence_number), deleted rows skipped. Its LIMIT is
            // applied by reading no further than max rows: SQLite (3.53 as bundled) looks at the value bound to a LIMIT parameter
            // when it plans, so binding one expired the statement and every replay was parsed and planned anew.
            _replay = Prepare(connection, """
                SELECT sequence_number, message, manifest, identifier, writer_uuid, created
                FROM journal
                WHERE persistence_id = $id AND sequence_number >= $from AND sequence_number <= $to AND deleted = 0
                ORDER BY sequence_number
                """, "$id", "$from", "$to");
        }

        private static SqliteCommand Prepare(SqliteConnection connection, string sql, params string[] parameters)
        {
            var cmd = connection.CreateCommand();
            cmd.CommandText = sql;
            cmd.CommandTimeout = 30;
            foreach (var p in parameters) cmd.Parameters.Add(new SqliteParameter(p, null));
            cmd.Prepare();
            return cmd;
        }

        public long HighestSequenceNr(string persistenceId, long fromSequenceNr)
        {
            _highest.Parameters[0].Value = persistenceId;
            _highest.Parameters[1].Value = fromSequenceNr;
            return _highest.ExecuteScalar() is long highest ? highest : 0;
        }

        public int Replay(Akka.Serialization.Serialization serialization, string persistenceId, long fromSequenceNr, long toSequenceNr, long max,
            Action<IPersistentRepresentation> recoveryCallback)
        {
            if (max <= 0 || toSequenceNr < fromSequenceNr) return 0;
            _replay.Parameters[0].Value = persistenceId;
            _replay.Parameters[1].Value = Math.Max(1, fromSequenceNr);
            _replay.Parameters[2].Value = toSequenceNr;
            var count = 0;
            using var reader = _replay.ExecuteReader();
            while (count < max && reader.Read())
            {
                var sequenceNr = reader.GetInt64(0);
                var message = (byte[])reader.GetValue(1);
                var manifest = reader.IsDBNull(2) ? null : reader.GetString(2);
                var writerUuid = reader.IsDBNull(4) ? null : reader.GetString(4);
                var payload = reader.IsDBNull(3)
                    ? Untagged(serialization, message, manifest)
                    : serialization.Deserialize(message, reader.GetInt32(3), manifest);
                recoveryCallback(new Persistent(payload, sequenceNr, persistenceId, manifest, false, ActorRefs.NoSender, writerUuid, reader.GetInt64(5)));
                count++;
            }

            return count;
        }

        /// <summary>A row without a serializer id (written by old plugins): the manifest is the payload's type.</summary>
        private static object Untagged(Akka.Serialization.Serialization serialization, byte[] message, string? manifest)
        {
            var type = Type.GetType(manifest ?? throw new InvalidOperationException("journal row has neither serializer id nor manifest"), true)!;
            return Akka.Serialization.Serialization.WithTransport(serialization.System, (serialization, message, type),
                state => state.serialization.FindSerializerForType(state.type).FromBinary(state.message, state.type));
        }

        public void Dispose()
        {
            _highest.Dispose();
            _replay.Dispose();
            _connection.Dispose();
        }
    }
}
