using System.Security.Cryptography;
using System.Text;
using Akka.Actor;
using Akka.Event;
using LoyaltyActors.Actors.Customers;
using LoyaltyActors.Domain.Customers;
using LoyaltyActors.Storage;
using NodaTime;

namespace LoyaltyActors.Actors.Projections;

/// <summary>A reward to notify about, with its stable notification id (receivers dedupe on it).</summary>
public sealed record RewardNotice(string CustomerId, RewardIssued Reward)
{
    /// <summary><c>ntf_</c> + 32 hex digits of SHA-256(customer id, reward event id): the same for every delivery path.</summary>
    public string NotificationId
    {
        get
        {
            var hash = SHA256.HashData(Encoding.UTF8.GetBytes(CustomerId + "\n" + Reward.EventId));
            return "ntf_" + Convert.ToHexStringLower(hash.AsSpan(0, 16));
        }
    }
}

/// <summary>
/// Where rewards go to be notified (webhooks, live stream). <see cref="Deliver"/> must be durable on return and
/// idempotent by notification id: the live path and the journal path both hand every reward over.
/// </summary>
public interface IRewardSink
{
    void Deliver(IReadOnlyList<RewardNotice> notices);
}

/// <summary>
/// The durable path to notifications: every <see cref="RewardIssued"/> in the journal is handed to the sink before
/// the projection's offset moves past it (the offset is saved only after the hand-over returned), so a crash
/// repeats hand-overs — which the sink dedupes — and never skips one.
/// </summary>
public sealed class NotificationProjection(IRewardSink sink) : JournalProjection
{
    public const string ModelName = "notifications";

    public override string Name => ModelName;

    public static NotificationProjection Load(ModelStore store, IRewardSink sink)
    {
        var p = new NotificationProjection(sink);
        if (store.Load<State>(ModelName) is { } saved)
        {
            p.Offset = saved.Offset;
            p.EventsConsumed = saved.Model.EventsConsumed;
        }

        return p;
    }

    private readonly List<RewardNotice> _pending = [];

    protected override void When(string customerId, CustomerEvent e)
    {
        if (e is RewardIssued reward) _pending.Add(new RewardNotice(customerId, reward));
    }

    /// <summary>One hand-over per journal batch (one outbox transaction), before the offset can be saved.</summary>
    public override void AfterBatch()
    {
        if (_pending.Count == 0) return;
        sink.Deliver(_pending.ToList());
        _pending.Clear();
    }

    public override object? Answer(object query) => null;

    public override void Save(ModelStore store) => store.Save(ModelName, Offset, new State { EventsConsumed = EventsConsumed });

    public sealed class State
    {
        public long EventsConsumed { get; set; }
    }
}

/// <summary>Wakes one customer: time has passed (see <see cref="AdvanceClock"/>).</summary>
public sealed record WakeCustomer(string CustomerId, Instant Now);

/// <summary>
/// The persisted per-customer timers: the latest <see cref="WakeUpScheduled"/> of each customer, indexed by due
/// instant. <see cref="Tick"/> looks only at the head of the index (no scan of customers) and wakes each customer
/// whose time has come; the customer records what fell due and schedules its next wake-up, which moves its entry.
/// A wake-up sent but not yet answered by a new schedule is re-sent after <see cref="ResendAfter"/>.
/// </summary>
public sealed class WakeUpProjection(IActorRef customers, IClock clock) : JournalProjection
{
    public const string ModelName = "wake-ups";
    public static readonly Duration ResendAfter = Duration.FromSeconds(30);

    /// <summary>
    /// Wake-ups sent per tick at most, so that a backlog (a history replayed whose lots expired long ago) is worked off
    /// in the background at a bounded pace instead of waking every customer at once.
    /// </summary>
    public const int MaxWakeUpsPerTick = 500;

    private readonly Dictionary<string, Instant> _due = new(StringComparer.Ordinal);
    private readonly SortedSet<(Instant At, string CustomerId)> _byTime = new(Comparer<(Instant At, string CustomerId)>.Create(
        (a, b) => a.At != b.At ? a.At.CompareTo(b.At) : string.CompareOrdinal(a.CustomerId, b.CustomerId)));
    private readonly Dictionary<string, Instant> _sent = new(StringComparer.Ordinal);

    public override string Name => ModelName;

    /// <summary>Customers with a pending wake-up.</summary>
    public int Count => _due.Count;

    public static WakeUpProjection Load(ModelStore store, IActorRef customers, IClock clock)
    {
        var p = new WakeUpProjection(customers, clock);
        if (store.Load<State>(ModelName) is not { } saved) return p;
        p.Offset = saved.Offset;
        p.EventsConsumed = saved.Model.EventsConsumed;
        for (var i = 0; i < saved.Model.Ids.Length; i++) p.Set(saved.Model.Ids[i], Instant.FromUnixTimeTicks(saved.Model.Ticks[i]));
        return p;
    }

    protected override void When(string customerId, CustomerEvent e)
    {
        if (e is not (WakeUpScheduled or CustomerErased)) return;
        if (_due.Remove(customerId, out var old)) _byTime.Remove((old, customerId));
        _sent.Remove(customerId);
        if (e is WakeUpScheduled { At: { } at }) Set(customerId, at);
    }

    private void Set(string customerId, Instant at)
    {
        _due[customerId] = at;
        _byTime.Add((at, customerId));
    }

    public override void Tick()
    {
        var now = clock.GetCurrentInstant();
        var sent = 0;
        foreach (var (at, customerId) in _byTime)
        {
            if (at > now || sent == MaxWakeUpsPerTick) break;
            if (_sent.TryGetValue(customerId, out var sentAt) && now - sentAt < ResendAfter) continue;
            _sent[customerId] = now;
            sent++;
            customers.Tell(new RecordEvents(customerId, [new AdvanceClock(customerId, now)]), ActorRefs.NoSender);
        }
    }

    public override object? Answer(object query) => query switch
    {
        GetWakeUps => new WakeUpsResult(_due.Count, _byTime.Count > 0 ? _byTime.Min.At : null),
        _ => null,
    };

    public override void Save(ModelStore store)
    {
        var s = new State { EventsConsumed = EventsConsumed, Ids = new string[_due.Count], Ticks = new long[_due.Count] };
        var i = 0;
        foreach (var (id, at) in _due)
        {
            s.Ids[i] = id;
            s.Ticks[i++] = at.ToUnixTimeTicks();
        }

        store.Save(ModelName, Offset, s);
    }

    public sealed class State
    {
        public long EventsConsumed { get; set; }
        public string[] Ids { get; set; } = [];
        public long[] Ticks { get; set; } = [];
    }
}

/// <summary>How many customers have a pending wake-up, and the earliest.</summary>
public sealed class GetWakeUps
{
    public static GetWakeUps Instance { get; } = new();
}

public sealed record WakeUpsResult(int Customers, Instant? Next);

/// <summary>
/// The fast path to notifications: hands rewards to the sink the moment their customer has them durably in the
/// journal (<see cref="RewardsPersisted"/> on the event stream), without waiting for the journal to be polled.
/// </summary>
public sealed class RewardRelay : ReceiveActor
{
    private readonly ILoggingAdapter _log = Context.GetLogger();

    private readonly List<RewardNotice> _pending = [];

    /// <remarks>
    /// Rewards that arrive while a hand-over is being written (the outbox fsyncs) are gathered and handed over together
    /// by the next flush: the outbox's write rate then bounds latency, not the number of rewards.
    /// </remarks>
    public RewardRelay(IRewardSink sink)
    {
        Receive<RewardsPersisted>(r =>
        {
            if (_pending.Count == 0) Self.Tell(Flush.Instance);
            foreach (var x in r.Rewards) _pending.Add(new RewardNotice(r.CustomerId, x));
        });
        Receive<Flush>(_ =>
        {
            if (_pending.Count == 0) return;
            var batch = _pending.ToList();
            _pending.Clear();
            try
            {
                sink.Deliver(batch);
            }
            catch (Exception ex)
            {
                // The journal path delivers them anyway.
                _log.Warning(ex, "Live hand-over of {0} reward(s) failed; the journal projection will hand them over", batch.Count);
            }
        });
    }

    private sealed class Flush
    {
        public static readonly Flush Instance = new();
    }

    public static Props Props(IRewardSink sink) => Akka.Actor.Props.Create(() => new RewardRelay(sink));

    protected override void PreStart() => Context.System.EventStream.Subscribe(Self, typeof(RewardsPersisted));
}
