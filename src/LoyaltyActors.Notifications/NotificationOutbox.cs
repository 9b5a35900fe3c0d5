using LiteDB;
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
/// The notification outbox in one LiteDB file (<c>notifications.db</c>): every notification once, keyed by its
/// id, with the exact body that is signed and sent, and one delivery record per (notification, webhook endpoint)
/// with its attempts, next attempt instant, status and last error. A notification and all its deliveries are
/// written in one transaction, so after a restart each pending delivery resumes where it stopped and a
/// delivered one is never sent again. Instants are stored as unix milliseconds.
/// </summary>
public sealed class NotificationOutbox : IDisposable
{
    private readonly LiteDatabase _db;
    private readonly ILiteCollection<NotificationRecord> _notifications;
    private readonly ILiteCollection<DeliveryRecord> _deliveries;
    private readonly ILiteCollection<EndpointRecord> _endpoints;
    private readonly object _gate = new();
    private long _lastSequence;

    public NotificationOutbox(string path)
    {
        var dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(dir)) Directory.CreateDirectory(dir);
        _db = new LiteDatabase(new ConnectionString { Filename = path, Connection = ConnectionType.Direct }, new BsonMapper());
        _notifications = _db.GetCollection<NotificationRecord>("notifications");
        _deliveries = _db.GetCollection<DeliveryRecord>("deliveries");
        _endpoints = _db.GetCollection<EndpointRecord>("endpoints");
        _deliveries.EnsureIndex(d => d.Status);
        _deliveries.EnsureIndex(d => d.NotificationId);
        _deliveries.EnsureIndex(d => d.Endpoint);
        _notifications.EnsureIndex(n => n.Sequence, unique: true);
        _lastSequence = _notifications.Query().OrderByDescending(n => n.Sequence).Limit(1).FirstOrDefault()?.Sequence ?? 0;
    }

    /// <summary>
    /// Stores the notifications not seen before, each with one pending delivery per endpoint (disabled for an
    /// endpoint that a 410 disabled), due at <paramref name="now"/>; one transaction. Returns the newly stored
    /// ones in batch order; known ids (and repeats within the batch) change nothing.
    /// </summary>
    public IReadOnlyList<StoredNotification> Add(IReadOnlyList<Notification> batch, IReadOnlyCollection<string> endpoints, Instant now)
    {
        var bodies = batch.Select(NotificationWire.Body).ToArray(); // validates before anything is written
        var added = new List<StoredNotification>(batch.Count);
        var nowMs = now.ToUnixTimeMilliseconds();
        lock (_gate)
        {
            var sequence = _lastSequence;
            var disabled = endpoints.Where(e => _endpoints.FindById(e)?.Disabled == true).ToHashSet(StringComparer.Ordinal);
            _db.BeginTrans();
            try
            {
                for (var i = 0; i < batch.Count; i++)
                {
                    var n = batch[i];
                    if (_notifications.FindById(n.NotificationId) is not null) continue;
                    _notifications.Insert(new NotificationRecord
                    {
                        Id = n.NotificationId,
                        Sequence = ++sequence,
                        Type = n.Type,
                        CustomerId = n.CustomerId,
                        OccurredAt = n.OccurredAt.ToUnixTimeMilliseconds(),
                        EnqueuedAt = nowMs,
                        Body = bodies[i],
                    });
                    foreach (var endpoint in endpoints)
                    {
                        _deliveries.Insert(new DeliveryRecord
                        {
                            Id = DeliveryId(n.NotificationId, endpoint),
                            NotificationId = n.NotificationId,
                            Endpoint = endpoint,
                            Status = disabled.Contains(endpoint) ? nameof(DeliveryStatus.Disabled) : nameof(DeliveryStatus.Pending),
                            NextAttemptAt = nowMs,
                            LastError = disabled.Contains(endpoint) ? "endpoint disabled (410 Gone) before this notification" : null,
                        });
                    }

                    added.Add(new StoredNotification(sequence, n.NotificationId, n.Type, bodies[i]));
                }

                _db.Commit();
                _lastSequence = sequence;
            }
            catch
            {
                _db.Rollback();
                throw;
            }

            // LiteDB's Commit hands the log pages to a background writer thread and returns before they are on
            // disk; a checkpoint waits for that writer and flushes the data file, so "stored" means on disk.
            // (Attempt outcomes need no checkpoint: losing one only repeats an attempt, which at-least-once allows.)
            if (added.Count > 0) _db.Checkpoint();
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
            var from = _notifications.FindById(notificationId);
            if (from is null) return null;
            var sequence = from.Sequence;
            return _notifications.Query()
                .Where(n => n.Sequence > sequence)
                .OrderBy(n => n.Sequence)
                .Limit(limit)
                .ToList()
                .Select(n => new StoredNotification(n.Sequence, n.Id, n.Type, n.Body))
                .ToList();
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
            var due = new List<DeliveryRecord>();
            foreach (var endpoint in endpoints)
            {
                due.AddRange(_deliveries.Query()
                    .Where(d => d.Status == nameof(DeliveryStatus.Pending) && d.Endpoint == endpoint && d.NextAttemptAt <= nowMs)
                    .OrderBy(d => d.NextAttemptAt)
                    .Limit(limit + inFlight.Count)
                    .ToList());
            }

            return due
                .Where(d => !inFlight.Contains(d.Id))
                .OrderBy(d => d.NextAttemptAt)
                .Take(limit)
                .Select(d => new DueDelivery(d.Id, d.NotificationId, d.Endpoint, d.Attempts, _notifications.FindById(d.NotificationId).Body))
                .ToList();
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
            long? earliest = null;
            foreach (var endpoint in endpoints)
            {
                var first = _deliveries.Query()
                    .Where(d => d.Status == nameof(DeliveryStatus.Pending) && d.Endpoint == endpoint)
                    .OrderBy(d => d.NextAttemptAt)
                    .Limit(inFlight.Count + 1)
                    .ToList()
                    .FirstOrDefault(d => !inFlight.Contains(d.Id));
                if (first is not null && (earliest is null || first.NextAttemptAt < earliest)) earliest = first.NextAttemptAt;
            }

            return earliest is null ? null : Instant.FromUnixTimeMilliseconds(earliest.Value);
        }
    }

    /// <summary>Marks a pending delivery delivered (2xx). False when it was no longer pending.</summary>
    public bool RecordDelivered(string deliveryId, Instant now) => UpdatePending(deliveryId, d =>
    {
        d.Attempts++;
        d.Status = nameof(DeliveryStatus.Delivered);
        d.LastAttemptAt = now.ToUnixTimeMilliseconds();
        d.DeliveredAt = now.ToUnixTimeMilliseconds();
        d.LastError = null;
    });

    /// <summary>
    /// Records a failed attempt: pending again at <paramref name="nextAttemptAt"/>, or dead when that is null.
    /// False when the delivery was no longer pending (e.g. its endpoint was disabled meanwhile).
    /// </summary>
    public bool RecordFailure(string deliveryId, Instant now, string error, Instant? nextAttemptAt) => UpdatePending(deliveryId, d =>
    {
        d.Attempts++;
        d.LastAttemptAt = now.ToUnixTimeMilliseconds();
        d.LastError = error;
        if (nextAttemptAt is { } next) d.NextAttemptAt = next.ToUnixTimeMilliseconds();
        else d.Status = nameof(DeliveryStatus.Dead);
    });

    /// <summary>
    /// The endpoint answered 410 Gone to <paramref name="deliveryId"/>: the endpoint is disabled, and that
    /// delivery and every other pending one to the endpoint become disabled. Returns how many deliveries stopped.
    /// </summary>
    public int DisableEndpoint(string endpoint, string deliveryId, Instant now, string reason)
    {
        var nowMs = now.ToUnixTimeMilliseconds();
        lock (_gate)
        {
            _db.BeginTrans();
            try
            {
                _endpoints.Upsert(new EndpointRecord { Id = endpoint, Disabled = true, DisabledAt = nowMs, Reason = reason });
                var stopped = 0;
                foreach (var d in _deliveries.Find(d => d.Endpoint == endpoint && d.Status == nameof(DeliveryStatus.Pending)).ToList())
                {
                    if (d.Id == deliveryId)
                    {
                        d.Attempts++;
                        d.LastAttemptAt = nowMs;
                    }

                    d.Status = nameof(DeliveryStatus.Disabled);
                    d.LastError = reason;
                    _deliveries.Update(d);
                    stopped++;
                }

                _db.Commit();
                return stopped;
            }
            catch
            {
                _db.Rollback();
                throw;
            }
        }
    }

    /// <summary>Endpoints a 410 disabled (and no redrive re-enabled since).</summary>
    public IReadOnlyList<string> DisabledEndpoints()
    {
        lock (_gate) return _endpoints.Find(e => e.Disabled).Select(e => e.Id).ToList();
    }

    /// <summary>Deliveries, optionally only those in <paramref name="status"/>, oldest notification first.</summary>
    public IReadOnlyList<WebhookDelivery> List(DeliveryStatus? status = null, int limit = int.MaxValue)
    {
        lock (_gate)
        {
            var wanted = status?.ToString();
            var records = wanted is null ? _deliveries.FindAll() : _deliveries.Find(d => d.Status == wanted);
            return records
                .Select(d => (Delivery: d, Notification: _notifications.FindById(d.NotificationId)))
                .OrderBy(x => x.Notification.EnqueuedAt).ThenBy(x => x.Delivery.NotificationId, StringComparer.Ordinal).ThenBy(x => x.Delivery.Endpoint, StringComparer.Ordinal)
                .Take(limit)
                .Select(x => new WebhookDelivery(
                    x.Delivery.NotificationId, x.Notification.Type, x.Notification.CustomerId, x.Delivery.Endpoint,
                    Enum.Parse<DeliveryStatus>(x.Delivery.Status), x.Delivery.Attempts,
                    Instant.FromUnixTimeMilliseconds(x.Delivery.NextAttemptAt),
                    x.Delivery.LastAttemptAt is { } last ? Instant.FromUnixTimeMilliseconds(last) : null,
                    x.Delivery.DeliveredAt is { } delivered ? Instant.FromUnixTimeMilliseconds(delivered) : null,
                    x.Delivery.LastError))
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
        var nowMs = now.ToUnixTimeMilliseconds();
        var statuses = new HashSet<string>(StringComparer.Ordinal);
        if (dead) statuses.Add(nameof(DeliveryStatus.Dead));
        if (disabled) statuses.Add(nameof(DeliveryStatus.Disabled));
        lock (_gate)
        {
            _db.BeginTrans();
            try
            {
                var candidates = notificationId is null
                    ? statuses.SelectMany(s => _deliveries.Find(d => d.Status == s))
                    : _deliveries.Find(d => d.NotificationId == notificationId);
                var count = 0;
                foreach (var d in candidates.ToList())
                {
                    if (!statuses.Contains(d.Status)) continue;
                    if (d.Status == nameof(DeliveryStatus.Disabled)) _endpoints.Delete(d.Endpoint);
                    d.Status = nameof(DeliveryStatus.Pending);
                    d.Attempts = 0;
                    d.NextAttemptAt = nowMs;
                    _deliveries.Update(d);
                    count++;
                }

                _db.Commit();
                return count;
            }
            catch
            {
                _db.Rollback();
                throw;
            }
        }
    }

    public void Dispose()
    {
        lock (_gate) _db.Dispose();
    }

    /// <summary>
    /// Forgets a customer (erasure): every notification about <paramref name="customerId"/> and all its deliveries,
    /// sent or not, leave the outbox; a pending one is never sent. Returns how many notifications went.
    /// </summary>
    public int EraseCustomer(string customerId)
    {
        lock (_gate)
        {
            var ids = _notifications.Find(n => n.CustomerId == customerId).Select(n => n.Id).ToList();
            if (ids.Count == 0) return 0;
            _db.BeginTrans();
            try
            {
                foreach (var id in ids)
                {
                    _deliveries.DeleteMany(d => d.NotificationId == id);
                    _notifications.Delete(id);
                }

                _db.Commit();
            }
            catch
            {
                _db.Rollback();
                throw;
            }

            _db.Checkpoint();
            return ids.Count;
        }
    }

    private bool UpdatePending(string deliveryId, Action<DeliveryRecord> change)
    {
        lock (_gate)
        {
            var d = _deliveries.FindById(deliveryId);
            if (d is null || d.Status != nameof(DeliveryStatus.Pending)) return false;
            change(d);
            return _deliveries.Update(d);
        }
    }

    // A line break can appear in neither a notification id nor a URL, so it separates them unambiguously.
    private static string DeliveryId(string notificationId, string endpoint) => notificationId + "\n" + endpoint;

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
