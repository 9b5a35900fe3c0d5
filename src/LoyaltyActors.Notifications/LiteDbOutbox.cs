using LiteDB;
using Microsoft.Data.Sqlite;

namespace LoyaltyActors.Notifications;

/// <summary>
/// The outbox of earlier versions was a LiteDB file at the same path. On first open it is converted, rows and
/// sequence numbers as they were, into a SQLite file; the LiteDB file stays beside it as <c>PATH.litedb</c>.
/// </summary>
/// <remarks>
/// Crash-safe by steps: the SQLite copy is written in full to <c>PATH.converting</c> first (a leftover one is
/// started over); only then is the LiteDB file renamed away and the copy renamed into place, and a crash between
/// the two renames is finished on the next open.
/// </remarks>
internal static class LiteDbOutbox
{
    private static ReadOnlySpan<byte> SqliteHeader => "SQLite format 3\0"u8;

    public static void ConvertIfNeeded(string path, Func<string, SqliteConnection> open, Action<SqliteConnection> createSchema)
    {
        var converting = path + ".converting";
        var backup = path + ".litedb";
        if (!File.Exists(path))
        {
            // Crashed between the renames: the LiteDB file is kept, its complete copy waits.
            if (File.Exists(backup) && File.Exists(converting)) File.Move(converting, path);
            return;
        }

        if (!IsLiteDb(path)) return;
        if (File.Exists(converting)) File.Delete(converting);
        foreach (var leftover in new[] { converting + "-wal", converting + "-shm" })
            if (File.Exists(leftover)) File.Delete(leftover);

        LiteDatabase lite;
        try
        {
            lite = new LiteDatabase(new ConnectionString { Filename = path, Connection = ConnectionType.Direct }, new BsonMapper());
        }
        catch (Exception ex) when (ex is LiteException or IOException or InvalidOperationException)
        {
            throw new InvalidDataException($"notification outbox {path} is neither a SQLite database nor an outbox of an earlier version (LiteDB): {ex.Message}", ex);
        }

        using (lite)
        using (var sqlite = open(converting))
        {
            createSchema(sqlite);
            using var tx = sqlite.BeginTransaction();
            Copy(sqlite, tx, "INSERT INTO notifications (sequence, id, type, customer_id, occurred_at, enqueued_at, body) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                lite.GetCollection<NotificationRecord>("notifications").FindAll(),
                n => [n.Sequence, n.Id, n.Type, n.CustomerId, n.OccurredAt, n.EnqueuedAt, n.Body]);
            Copy(sqlite, tx, """
                    INSERT INTO deliveries (id, notification_id, endpoint, status, attempts, next_attempt_at, last_attempt_at, delivered_at, last_error)
                    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
                    """,
                lite.GetCollection<DeliveryRecord>("deliveries").FindAll(),
                d => [d.Id, d.NotificationId, d.Endpoint, d.Status, d.Attempts, d.NextAttemptAt, d.LastAttemptAt, d.DeliveredAt, d.LastError]);
            Copy(sqlite, tx, "INSERT INTO endpoints (id, disabled, disabled_at, reason) VALUES ($1, $2, $3, $4)",
                lite.GetCollection<EndpointRecord>("endpoints").FindAll(),
                e => [e.Id, e.Disabled ? 1 : 0, e.DisabledAt, e.Reason]);
            tx.Commit();
            using var checkpoint = sqlite.CreateCommand();
            checkpoint.CommandText = "PRAGMA wal_checkpoint(TRUNCATE);";
            checkpoint.ExecuteNonQuery();
        }

        File.Move(path, backup, overwrite: true);
        File.Move(converting, path);
    }

    private static bool IsLiteDb(string path)
    {
        using var file = File.OpenRead(path);
        if (file.Length == 0) return false; // an empty file is a fresh SQLite database
        Span<byte> head = stackalloc byte[16];
        return file.ReadAtLeast(head, head.Length, throwOnEndOfStream: false) < head.Length || !head.SequenceEqual(SqliteHeader);
    }

    private static void Copy<T>(SqliteConnection db, SqliteTransaction tx, string sql, IEnumerable<T> rows, Func<T, object?[]> values)
    {
        using var cmd = db.CreateCommand();
        cmd.CommandText = sql;
        cmd.Transaction = tx;
        SqliteParameter[]? parameters = null;
        foreach (var row in rows)
        {
            var v = values(row);
            if (parameters is null)
            {
                parameters = new SqliteParameter[v.Length];
                for (var i = 0; i < v.Length; i++) parameters[i] = cmd.Parameters.Add("$" + (i + 1), SqliteType.Text);
            }

            for (var i = 0; i < v.Length; i++)
            {
                parameters[i].SqliteType = v[i] switch
                {
                    byte[] => SqliteType.Blob,
                    int or long => SqliteType.Integer,
                    _ => SqliteType.Text,
                };
                parameters[i].Value = v[i] ?? DBNull.Value;
            }

            cmd.ExecuteNonQuery();
        }
    }

    internal sealed class NotificationRecord
    {
        public string Id { get; set; } = "";
        public long Sequence { get; set; }
        public string Type { get; set; } = "";
        public string CustomerId { get; set; } = "";
        public long OccurredAt { get; set; }
        public long EnqueuedAt { get; set; }
        public byte[] Body { get; set; } = [];
    }

    internal sealed class DeliveryRecord
    {
        public string Id { get; set; } = "";
        public string NotificationId { get; set; } = "";
        public string Endpoint { get; set; } = "";
        public string Status { get; set; } = nameof(DeliveryStatus.Pending);
        public int Attempts { get; set; }
        public long NextAttemptAt { get; set; }
        public long? LastAttemptAt { get; set; }
        public long? DeliveredAt { get; set; }
        public string? LastError { get; set; }
    }

    internal sealed class EndpointRecord
    {
        public string Id { get; set; } = "";
        public bool Disabled { get; set; }
        public long? DisabledAt { get; set; }
        public string? Reason { get; set; }
    }
}
