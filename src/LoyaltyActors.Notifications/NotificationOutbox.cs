using Microsoft.Data.Sqlite;
using NodaTime;

namespace LoyaltyActors.Notifications;

/// <summary>Where one (notification, endpoint) delivery stands.</summary>
public enum DeliveryStatus
{
    /// <summary>Waiting for its next attempt (due at <see cref="WebhookDelivery.NextAttemptAt"/>).</summary>
    Pending,

    /// <summary>The endpoint answered 2xx; never sent again.</summary>
    Delivered,

    /// <summary>Failed <c>MaxAttempts</c> times; only <c>loyalty notifications redrive</c> sends it again.</summary>
    Dead,

    /// <summary>The endpoint answered 410 Gone, which disabled it; redrive re-enables it.</summary>
    Disabled,
}

/// <summary>An operator's view of one delivery.</summary>
public sealed record WebhookDelivery(
    string NotificationId, string Type, string CustomerId, string Endpoint, DeliveryStatus Status, int Attempts,
    Instant NextAttemptAt, Instant? LastAttemptAt, Instant? DeliveredAt, string? LastError);

/// <summary>A delivery the dispatcher should attempt now, with the exact body to send.</summary>
public sealed record DueDelivery(string DeliveryId, string NotificationId, string Endpoint, int Attempts, byte[] Body);

/// <summary>
/// A stored notification; <paramref name="Sequence"/> numbers notifications in the order they were stored
/// (1, 2, …), which is the order of the live stream and of its replay after a reconnect.
/// </summary>
public sealed record StoredNotification(long Sequence, string NotificationId, string Type, byte[] Body);

/// <summary>
/// The notification outbox in one SQLite file (<c>notifications.db</c>, WAL, <c>synchronous=FULL</c>): every
/// notification once, keyed by its id, with the exact body that is signed and sent, and one delivery row per
/// (notification, webhook endpoint) with its attempts, next attempt instant, status and last error. A notification
/// and all its deliveries are written in one transaction, which is on disk when <see cref="Add"/> returns (one
/// fsync of the write-ahead log, on the calling thread), so after a restart each pending delivery resumes where it
/// stopped and a delivered one is never sent again. Instants are stored as unix milliseconds. An outbox written by
/// an earlier version (LiteDB) is converted on open; the old file is kept beside it as <c>notifications.db.litedb</c>.
/// </summary>
public sealed class NotificationOutbox : IDisposable
{
    private const string Pending = nameof(DeliveryStatus.Pending);

    private readonly SqliteConnection _db;
    private readonly object _gate = new();
    private long _lastSequence;

    public NotificationOutbox(string path)
    {
        var full = Path.GetFullPath(path);
        var dir = Path.GetDirectoryName(full);
        if (!string.IsNullOrEmpty(dir)) Directory.CreateDirectory(dir);
        LiteDbOutbox.ConvertIfNeeded(full, Open, CreateSchema);
        _db = Open(full);
        CreateSchema(_db);
        _lastSequence = Scalar<long?>("SELECT max(sequence) FROM notifications") ?? 0;
    }

    /// <summary>A connection of its own (no pool: disposing the outbox closes the file) with the pragmas every write relies on.</summary>
    private static SqliteConnection Open(string path)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = path, Mode = SqliteOpenMode.ReadWriteCreate, Pooling = false,
        }.ToString());
        connection.Open();
        using var cmd = connection.CreateCommand();
        cmd.CommandText = "PRAGMA journal_mode=WAL;";
        var mode = cmd.ExecuteScalar() as string;
        if (!string.Equals(mode, "wal", StringComparison.OrdinalIgnoreCase))
            throw new InvalidOperationException($"notification outbox {path} refused WAL mode (got '{mode}')");
        // FULL: a stored notification survives power loss. secure_delete: an erased customer's rows are overwritten,
        // not left in free pages.
        cmd.CommandText = "PRAGMA synchronous=FULL; PRAGMA secure_delete=ON;";
        cmd.ExecuteNonQuery();
        return connection;
    }

    private static void CreateSchema(SqliteConnection db)
    {
        using var cmd = db.CreateCommand();
        cmd.CommandText = """
            CREATE TABLE IF NOT EXISTS notifications (
                sequence    INTEGER PRIMARY KEY,
                id          TEXT    NOT NULL UNIQUE,
                type        TEXT    NOT NULL,
                customer_id TEXT    NOT NULL,
                occurred_at INTEGER NOT NULL,
                enqueued_at INTEGER NOT NULL,
                body        BLOB    NOT NULL);
            CREATE INDEX IF NOT EXISTS notifications_customer ON notifications (customer_id);
            CREATE TABLE IF NOT EXISTS deliveries (
                id              TEXT    PRIMARY KEY,
                notification_id TEXT    NOT NULL,
                endpoint        TEXT    NOT NULL,
                status          TEXT    NOT NULL,
                attempts        INTEGER NOT NULL,
                next_attempt_at INTEGER NOT NULL,
                last_attempt_at INTEGER,
                delivered_at    INTEGER,
                last_error      TEXT);
            CREATE INDEX IF NOT EXISTS deliveries_due ON deliveries (status, endpoint, next_attempt_at);
            CREATE INDEX IF NOT EXISTS deliveries_notification ON deliveries (notification_id);
            CREATE TABLE IF NOT EXISTS endpoints (
                id          TEXT    PRIMARY KEY,
                disabled    INTEGER NOT NULL,
                disabled_at INTEGER,
                reason      TEXT);
            """;
        cmd.ExecuteNonQuery();
    }

    /// <summary>
    /// Stores the notifications not seen before, each with one pending delivery per endpoint (disabled for an
    /// endpoint that a 410 disabled), due at <paramref name="now"/>; one transaction, on disk on return. Returns the
    /// newly stored ones in batch order; known ids (and repeats within the batch) change nothing.
    /// </summary>
    public IReadOnlyList<StoredNotification> Add(IReadOnlyList<Notification> batch, IReadOnlyCollection<string> endpoints, Instant now) =>
        Write(batch, endpoints, now, commit: true);

    /// <summary>
    /// Does all that <see cref="Add"/> does for <paramref name="batch"/> and then rolls the transaction back: nothing is
    /// stored, no sequence number is used. Returns what <see cref="Add"/> would have returned. For warming up the path.
    /// </summary>
    public IReadOnlyList<StoredNotification> Rehearse(IReadOnlyList<Notification> batch, IReadOnlyCollection<string> endpoints, Instant now) =>
        Write(batch, endpoints, now, commit: false);

    private List<StoredNotification> Write(IReadOnlyList<Notification> batch, IReadOnlyCollection<string> endpoints, Instant now, bool commit)
    {
        var bodies = batch.Select(NotificationWire.Body).ToArray(); // validates before anything is written
        var added = new List<StoredNotification>(batch.Count);
        var nowMs = now.ToUnixTimeMilliseconds();
        lock (_gate)
        {
            HashSet<string> disabled = endpoints.Count == 0 ? [] : DisabledSet();
            var sequence = _lastSequence;
            using var tx = _db.BeginTransaction();
            // A known id (stored before, or earlier in this batch) inserts nothing and uses no sequence number.
            using var insert = Command("""
                INSERT INTO notifications (sequence, id, type, customer_id, occurred_at, enqueued_at, body)
                VALUES ($sequence, $id, $type, $customer, $occurred, $enqueued, $body)
                ON CONFLICT (id) DO NOTHING
                """, tx);
            var pSequence = insert.Parameters.Add("$sequence", SqliteType.Integer);
            var pId = insert.Parameters.Add("$id", SqliteType.Text);
            var pType = insert.Parameters.Add("$type", SqliteType.Text);
            var pCustomer = insert.Parameters.Add("$customer", SqliteType.Text);
            var pOccurred = insert.Parameters.Add("$occurred", SqliteType.Integer);
            insert.Parameters.AddWithValue("$enqueued", nowMs);
            var pBody = insert.Parameters.Add("$body", SqliteType.Blob);
            using var delivery = Command("""
                INSERT INTO deliveries (id, notification_id, endpoint, status, attempts, next_attempt_at, last_error)
                VALUES ($id, $notification, $endpoint, $status, 0, $next, $error)
                """, tx);
            var dId = delivery.Parameters.Add("$id", SqliteType.Text);
            var dNotification = delivery.Parameters.Add("$notification", SqliteType.Text);
            var dEndpoint = delivery.Parameters.Add("$endpoint", SqliteType.Text);
            var dStatus = delivery.Parameters.Add("$status", SqliteType.Text);
            delivery.Parameters.AddWithValue("$next", nowMs);
            var dError = delivery.Parameters.Add("$error", SqliteType.Text);
            for (var i = 0; i < batch.Count; i++)
            {
                var n = batch[i];
                pSequence.Value = sequence + 1;
                pId.Value = n.NotificationId;
                pType.Value = n.Type;
                pCustomer.Value = n.CustomerId;
                pOccurred.Value = n.OccurredAt.ToUnixTimeMilliseconds();
                pBody.Value = bodies[i];
                if (insert.ExecuteNonQuery() == 0) continue;
                sequence++;
                foreach (var endpoint in endpoints)
                {
                    var off = disabled.Contains(endpoint);
                    dId.Value = DeliveryId(n.NotificationId, endpoint);
                    dNotification.Value = n.NotificationId;
                    dEndpoint.Value = endpoint;
                    dStatus.Value = off ? nameof(DeliveryStatus.Disabled) : Pending;
                    dError.Value = off ? "endpoint disabled (410 Gone) before this notification" : DBNull.Value;
                    delivery.ExecuteNonQuery();
                }

                added.Add(new StoredNotification(sequence, n.NotificationId, n.Type, bodies[i]));
            }

            if (!commit)
            {
                tx.Rollback();
                return added;
            }

            // A transaction that wrote nothing commits without touching the disk.
            tx.Commit();
            _lastSequence = sequence;
        }

        return added;
    }

    /// <summary>
    /// The notifications stored after <paramref name="notificationId"/>, in stored order, at most
    /// <paramref name="limit"/> (the oldest ones); null when that id is unknown.
    /// </summary>
    public IReadOnlyList<StoredNotification>? After(string notificationId, int limit)
    {
        lock (_gate)
        {
            using var find = Command("SELECT sequence FROM notifications WHERE id = $id");
            find.Parameters.AddWithValue("$id", notificationId);
            if (find.ExecuteScalar() is not long from) return null;
            using var cmd = Command("SELECT sequence, id, type, body FROM notifications WHERE sequence > $from ORDER BY sequence LIMIT $limit");
            cmd.Parameters.AddWithValue("$from", from);
            cmd.Parameters.AddWithValue("$limit", limit);
            using var reader = cmd.ExecuteReader();
            var result = new List<StoredNotification>();
            while (reader.Read())
                result.Add(new StoredNotification(reader.GetInt64(0), reader.GetString(1), reader.GetString(2), (byte[])reader.GetValue(3)));
            return result;
        }
    }

    /// <summary>
    /// Pending deliveries to <paramref name="endpoints"/> due at <paramref name="now"/>, earliest first, at most
    /// <paramref name="limit"/>, leaving out <paramref name="inFlight"/> delivery ids.
    /// </summary>
    public IReadOnlyList<DueDelivery> Due(Instant now, int limit, IReadOnlyCollection<string> endpoints, IReadOnlySet<string> inFlight)
    {
        if (limit <= 0) return [];
        var nowMs = now.ToUnixTimeMilliseconds();
        lock (_gate)
        {
            using var cmd = Command("""
                SELECT d.id, d.notification_id, d.endpoint, d.attempts, d.next_attempt_at, n.body
                FROM deliveries d JOIN notifications n ON n.id = d.notification_id
                WHERE d.status = 'Pending' AND d.endpoint = $endpoint AND d.next_attempt_at <= $now
                ORDER BY d.next_attempt_at, d.rowid
                LIMIT $limit
                """);
            var pEndpoint = cmd.Parameters.Add("$endpoint", SqliteType.Text);
            cmd.Parameters.AddWithValue("$now", nowMs);
            cmd.Parameters.AddWithValue("$limit", (long)limit + inFlight.Count);
            var due = new List<(long NextAttemptAt, DueDelivery Delivery)>();
            foreach (var endpoint in endpoints)
            {
                pEndpoint.Value = endpoint;
                using var reader = cmd.ExecuteReader();
                while (reader.Read())
                {
                    var id = reader.GetString(0);
                    if (inFlight.Contains(id)) continue;
                    due.Add((reader.GetInt64(4), new DueDelivery(id, reader.GetString(1), reader.GetString(2), reader.GetInt32(3), (byte[])reader.GetValue(5))));
                }
            }

            return due.OrderBy(d => d.NextAttemptAt).Take(limit).Select(d => d.Delivery).ToList();
        }
    }

    /// <summary>
    /// When the earliest pending delivery to one of <paramref name="endpoints"/>, other than <paramref name="inFlight"/>,
    /// is due; null when none is.
    /// </summary>
    public Instant? NextDue(IReadOnlyCollection<string> endpoints, IReadOnlySet<string> inFlight)
    {
        lock (_gate)
        {
            using var cmd = Command("""
                SELECT id, next_attempt_at FROM deliveries
                WHERE status = 'Pending' AND endpoint = $endpoint
                ORDER BY next_attempt_at, rowid
                LIMIT $limit
                """);
            var pEndpoint = cmd.Parameters.Add("$endpoint", SqliteType.Text);
            cmd.Parameters.AddWithValue("$limit", inFlight.Count + 1L);
            long? earliest = null;
            foreach (var endpoint in endpoints)
            {
                pEndpoint.Value = endpoint;
                using var reader = cmd.ExecuteReader();
                while (reader.Read())
                {
                    if (inFlight.Contains(reader.GetString(0))) continue;
                    var next = reader.GetInt64(1);
                    if (earliest is null || next < earliest) earliest = next;
                    break;
                }
            }

            return earliest is null ? null : Instant.FromUnixTimeMilliseconds(earliest.Value);
        }
    }

    /// <summary>
    /// Marks a pending delivery delivered (2xx). False when it was no longer pending. Like <see cref="RecordFailure"/>, it
    /// commits without waiting for the disk (see <see cref="Unsynced"/>).
    /// </summary>
    public bool RecordDelivered(string deliveryId, Instant now)
    {
        lock (_gate)
        {
            using var cmd = Command("""
                UPDATE deliveries SET attempts = attempts + 1, status = 'Delivered', last_attempt_at = $now, delivered_at = $now,
                                      last_error = NULL
                WHERE id = $id AND status = 'Pending'
                """);
            cmd.Parameters.AddWithValue("$id", deliveryId);
            cmd.Parameters.AddWithValue("$now", now.ToUnixTimeMilliseconds());
            return Unsynced(cmd) == 1;
        }
    }

    /// <summary>
    /// Records a failed attempt: pending again at <paramref name="nextAttemptAt"/>, or dead when that is null.
    /// False when the delivery was no longer pending (e.g. its endpoint was disabled meanwhile).
    /// </summary>
    public bool RecordFailure(string deliveryId, Instant now, string error, Instant? nextAttemptAt)
    {
        lock (_gate)
        {
            using var cmd = Command("""
                UPDATE deliveries SET attempts = attempts + 1, last_attempt_at = $now, last_error = $error,
                                      next_attempt_at = coalesce($next, next_attempt_at),
                                      status = CASE WHEN $next IS NULL THEN 'Dead' ELSE status END
                WHERE id = $id AND status = 'Pending'
                """);
            cmd.Parameters.AddWithValue("$id", deliveryId);
            cmd.Parameters.AddWithValue("$now", now.ToUnixTimeMilliseconds());
            cmd.Parameters.AddWithValue("$error", error);
            cmd.Parameters.AddWithValue("$next", nextAttemptAt is { } next ? next.ToUnixTimeMilliseconds() : DBNull.Value);
            return Unsynced(cmd) == 1;
        }
    }

    /// <summary>
    /// The endpoint answered 410 Gone to <paramref name="deliveryId"/>: the endpoint is disabled, and that
    /// delivery and every other pending one to the endpoint become disabled. Returns how many deliveries stopped.
    /// </summary>
    public int DisableEndpoint(string endpoint, string deliveryId, Instant now, string reason)
    {
        var nowMs = now.ToUnixTimeMilliseconds();
        lock (_gate)
        {
            using var tx = _db.BeginTransaction();
            using (var upsert = Command("INSERT OR REPLACE INTO endpoints (id, disabled, disabled_at, reason) VALUES ($id, 1, $now, $reason)", tx))
            {
                upsert.Parameters.AddWithValue("$id", endpoint);
                upsert.Parameters.AddWithValue("$now", nowMs);
                upsert.Parameters.AddWithValue("$reason", reason);
                upsert.ExecuteNonQuery();
            }

            using (var attempted = Command("""
                       UPDATE deliveries SET attempts = attempts + 1, last_attempt_at = $now
                       WHERE id = $id AND endpoint = $endpoint AND status = 'Pending'
                       """, tx))
            {
                attempted.Parameters.AddWithValue("$id", deliveryId);
                attempted.Parameters.AddWithValue("$endpoint", endpoint);
                attempted.Parameters.AddWithValue("$now", nowMs);
                attempted.ExecuteNonQuery();
            }

            int stopped;
            using (var stop = Command("UPDATE deliveries SET status = 'Disabled', last_error = $reason WHERE endpoint = $endpoint AND status = 'Pending'", tx))
            {
                stop.Parameters.AddWithValue("$endpoint", endpoint);
                stop.Parameters.AddWithValue("$reason", reason);
                stopped = stop.ExecuteNonQuery();
            }

            tx.Commit();
            return stopped;
        }
    }

    /// <summary>Endpoints a 410 disabled (and no redrive re-enabled since).</summary>
    public IReadOnlyList<string> DisabledEndpoints()
    {
        lock (_gate) return DisabledSet().Order(StringComparer.Ordinal).ToList();
    }

    /// <summary>Deliveries, optionally only those in <paramref name="status"/>, oldest notification first.</summary>
    public IReadOnlyList<WebhookDelivery> List(DeliveryStatus? status = null, int limit = int.MaxValue)
    {
        lock (_gate)
        {
            using var cmd = Command("""
                SELECT d.notification_id, n.type, n.customer_id, d.endpoint, d.status, d.attempts, d.next_attempt_at,
                       d.last_attempt_at, d.delivered_at, d.last_error, n.enqueued_at
                FROM deliveries d JOIN notifications n ON n.id = d.notification_id
                WHERE $status IS NULL OR d.status = $status
                """);
            cmd.Parameters.AddWithValue("$status", status?.ToString() ?? (object)DBNull.Value);
            using var reader = cmd.ExecuteReader();
            var rows = new List<(long EnqueuedAt, WebhookDelivery Delivery)>();
            while (reader.Read())
            {
                rows.Add((reader.GetInt64(10), new WebhookDelivery(
                    reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3),
                    Enum.Parse<DeliveryStatus>(reader.GetString(4)), reader.GetInt32(5),
                    Instant.FromUnixTimeMilliseconds(reader.GetInt64(6)),
                    reader.IsDBNull(7) ? null : Instant.FromUnixTimeMilliseconds(reader.GetInt64(7)),
                    reader.IsDBNull(8) ? null : Instant.FromUnixTimeMilliseconds(reader.GetInt64(8)),
                    reader.IsDBNull(9) ? null : reader.GetString(9))));
            }

            return rows
                .OrderBy(r => r.EnqueuedAt)
                .ThenBy(r => r.Delivery.NotificationId, StringComparer.Ordinal)
                .ThenBy(r => r.Delivery.Endpoint, StringComparer.Ordinal)
                .Take(limit)
                .Select(r => r.Delivery)
                .ToList();
        }
    }

    /// <summary>
    /// Moves deliveries back to pending, due at <paramref name="now"/> with attempts reset: the dead ones when
    /// <paramref name="dead"/>, the disabled ones when <paramref name="disabled"/>, of notification
    /// <paramref name="notificationId"/> or of all notifications when it is null. Endpoints of redriven disabled
    /// deliveries are enabled again. Delivered and pending deliveries are never touched. Returns how many moved.
    /// </summary>
    public int Redrive(Instant now, string? notificationId = null, bool dead = true, bool disabled = true)
    {
        if (!dead && !disabled) return 0;
        lock (_gate)
        {
            using var tx = _db.BeginTransaction();
            const string Matching = """
                (($dead = 1 AND status = 'Dead') OR ($disabled = 1 AND status = 'Disabled'))
                AND ($notification IS NULL OR notification_id = $notification)
                """;
            void Bind(SqliteCommand c)
            {
                c.Parameters.AddWithValue("$dead", dead ? 1 : 0);
                c.Parameters.AddWithValue("$disabled", disabled ? 1 : 0);
                c.Parameters.AddWithValue("$notification", notificationId ?? (object)DBNull.Value);
            }

            using (var enable = Command($"DELETE FROM endpoints WHERE id IN (SELECT endpoint FROM deliveries WHERE status = 'Disabled' AND {Matching})", tx))
            {
                Bind(enable);
                enable.ExecuteNonQuery();
            }

            int count;
            using (var redrive = Command($"UPDATE deliveries SET status = 'Pending', attempts = 0, next_attempt_at = $now WHERE {Matching}", tx))
            {
                Bind(redrive);
                redrive.Parameters.AddWithValue("$now", now.ToUnixTimeMilliseconds());
                count = redrive.ExecuteNonQuery();
            }

            tx.Commit();
            return count;
        }
    }

    public void Dispose()
    {
        lock (_gate) _db.Dispose();
    }

    /// <summary>
    /// Forgets a customer (erasure): every notification about <paramref name="customerId"/> and all its deliveries,
    /// sent or not, leave the outbox; a pending one is never sent. Returns how many notifications went. The rows are
    /// overwritten (<c>secure_delete</c>) and the write-ahead log is folded into the file and emptied before it returns.
    /// </summary>
    public int EraseCustomer(string customerId)
    {
        lock (_gate)
        {
            int count;
            using (var tx = _db.BeginTransaction())
            {
                using (var deliveries = Command("DELETE FROM deliveries WHERE notification_id IN (SELECT id FROM notifications WHERE customer_id = $customer)", tx))
                {
                    deliveries.Parameters.AddWithValue("$customer", customerId);
                    deliveries.ExecuteNonQuery();
                }

                using (var notifications = Command("DELETE FROM notifications WHERE customer_id = $customer", tx))
                {
                    notifications.Parameters.AddWithValue("$customer", customerId);
                    count = notifications.ExecuteNonQuery();
                }

                tx.Commit();
            }

            if (count > 0)
            {
                using var checkpoint = Command("PRAGMA wal_checkpoint(TRUNCATE);");
                checkpoint.ExecuteNonQuery();
            }

            return count;
        }
    }

    /// <summary>
    /// Runs <paramref name="cmd"/> as a commit that does not wait for the disk (<c>synchronous=NORMAL</c> in WAL mode:
    /// atomic, and durable once a later synced commit or checkpoint is; a power loss may undo it), then restores
    /// <c>FULL</c> for everything else. For attempt outcomes: losing one only repeats an attempt, which at-least-once
    /// delivery allows, and the dispatcher's outcomes must not each hold the outbox (and the notifications waiting to be
    /// stored) for a sync of the disk.
    /// </summary>
    private int Unsynced(SqliteCommand cmd)
    {
        using var relax = Command("PRAGMA synchronous=NORMAL;");
        relax.ExecuteNonQuery();
        try
        {
            return cmd.ExecuteNonQuery();
        }
        finally
        {
            using var restore = Command("PRAGMA synchronous=FULL;");
            restore.ExecuteNonQuery();
        }
    }

    /// <summary>The connection's <c>synchronous</c> level (2 = FULL), for tests.</summary>
    internal long Synchronous
    {
        get
        {
            lock (_gate) return Scalar<long>("PRAGMA synchronous;");
        }
    }

    private HashSet<string> DisabledSet()
    {
        using var cmd = Command("SELECT id FROM endpoints WHERE disabled = 1");
        using var reader = cmd.ExecuteReader();
        var set = new HashSet<string>(StringComparer.Ordinal);
        while (reader.Read()) set.Add(reader.GetString(0));
        return set;
    }

    private SqliteCommand Command(string sql, SqliteTransaction? tx = null)
    {
        var cmd = _db.CreateCommand();
        cmd.CommandText = sql;
        cmd.Transaction = tx;
        return cmd;
    }

    private T? Scalar<T>(string sql)
    {
        using var cmd = Command(sql);
        return cmd.ExecuteScalar() is { } value and not DBNull ? (T)value : default;
    }

    // A line break can appear in neither a notification id nor a URL, so it separates them unambiguously.
    internal static string DeliveryId(string notificationId, string endpoint) => notificationId + "\n" + endpoint;
}
