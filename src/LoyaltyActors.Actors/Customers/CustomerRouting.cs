using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Event;
using LoyaltyActors.Actors.Metrics;

namespace LoyaltyActors.Actors.Customers;

/// <summary>
/// Routes customer messages by customer id. The same extractor serves the single-node
/// <see cref="LocalCustomerRegion"/> and a cluster shard region, so scaling out is configuration.
/// </summary>
public sealed class CustomerMessageExtractor(int maxShards = 100) : HashCodeMessageExtractor(maxShards)
{
    public override string? EntityId(object message) => (message as ICustomerMessage)?.CustomerId;
}

/// <summary>
/// The single-node stand-in for a shard region: one child per customer id, created on first message,
/// passivated when idle or on request. While a child is stopping, messages for it are buffered and delivered to
/// its next incarnation, so passivation never loses a message.
/// </summary>
/// <remarks>
/// Idleness is kept here, not in the customers: the region notes when it last handed each child a message and a
/// periodic sweep stops those idle for <c>passivateIdleAfter</c> (as a shard region does). A receive timeout per customer
/// would cost every awake customer its own scheduler registration.
/// </remarks>
public sealed class LocalCustomerRegion : ReceiveActor, IWithTimers
{
    private readonly IMessageExtractor _extractor;
    private readonly Func<string, Props> _entityProps;
    private readonly long _idleAfterMs;
    private readonly Dictionary<string, Child> _byId = new(StringComparer.Ordinal);
    private readonly Dictionary<IActorRef, string> _byRef = new();
    private readonly Dictionary<string, List<(object Message, IActorRef Sender)>> _passivating = new(StringComparer.Ordinal);
    private readonly ILoggingAdapter _log = Context.GetLogger();

    /// <param name="passivateIdleAfter">Stop a child that was handed no message for this long.</param>
    public LocalCustomerRegion(IMessageExtractor extractor, Func<string, Props> entityProps, TimeSpan passivateIdleAfter)
    {
        if (passivateIdleAfter <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(passivateIdleAfter), "must be positive");
        _extractor = extractor;
        _entityProps = entityProps;
        _idleAfterMs = Math.Max(1L, (long)passivateIdleAfter.TotalMilliseconds);

        Receive<Passivate>(OnPassivate);
        Receive<Terminated>(OnTerminated);
        Receive<SweepIdle>(_ => PassivateIdle());
        Receive<GetLiveCount>(_ => Sender.Tell(_byId.Count));
        ReceiveAny(Route);
    }

    public ITimerScheduler Timers { get; set; } = null!;

    /// <summary>Asks the region how many customers are awake (reply: an <see cref="int"/>).</summary>
    public sealed class GetLiveCount
    {
        public static GetLiveCount Instance { get; } = new();

        private GetLiveCount()
        {
        }
    }

    /// <summary>A child and when (<see cref="Environment.TickCount64"/>) the region last handed it a message.</summary>
    private struct Child(IActorRef actor, long touchedAt)
    {
        public readonly IActorRef Actor = actor;
        public long TouchedAt = touchedAt;
    }

    private sealed class SweepIdle
    {
        public static SweepIdle Instance { get; } = new();
    }

    public static Props Props(IMessageExtractor extractor, Func<string, Props> entityProps, TimeSpan passivateIdleAfter) =>
        Akka.Actor.Props.Create(() => new LocalCustomerRegion(extractor, entityProps, passivateIdleAfter));

    /// <summary>
    /// How often idle children are looked for: a quarter of the idle time (a child stops between 1 and 1.25 times it
    /// after its last message), at most every 5 s for long idle times.
    /// </summary>
    internal static TimeSpan SweepInterval(TimeSpan passivateIdleAfter) =>
        TimeSpan.FromTicks(Math.Clamp(passivateIdleAfter.Ticks / 4, TimeSpan.TicksPerMillisecond, 5 * TimeSpan.TicksPerSecond));

    protected override void PreStart() =>
        Timers.StartPeriodicTimer(nameof(SweepIdle), SweepIdle.Instance, SweepInterval(TimeSpan.FromMilliseconds(_idleAfterMs)));

    private void Route(object message)
    {
        var id = _extractor.EntityId(message);
        if (string.IsNullOrEmpty(id))
        {
            _log.Warning("Dropping {0}: it names no customer", message.GetType().Name);
            Unhandled(message);
            return;
        }

        var payload = _extractor.EntityMessage(message) ?? message;
        if (_passivating.TryGetValue(id, out var buffer))
        {
            buffer.Add((payload, Sender));
            return;
        }

        ChildFor(id).Forward(payload);
    }

    /// <summary>The awake child for <paramref name="id"/> (created if needed), marked as handed a message now.</summary>
    private IActorRef ChildFor(string id)
    {
        ref var entry = ref CollectionsMarshal.GetValueRefOrNullRef(_byId, id);
        if (!Unsafe.IsNullRef(ref entry))
        {
            entry.TouchedAt = Environment.TickCount64;
            return entry.Actor;
        }

        var child = Context.Watch(Context.ActorOf(_entityProps(id), Uri.EscapeDataString(id)));
        _byId[id] = new Child(child, Environment.TickCount64);
        _byRef[child] = id;
        LoyaltyMetrics.CustomerActivations.Inc();
        LoyaltyMetrics.CustomersAlive.Inc();
        return child;
    }

    // The children stop with the region and their Terminated is never processed.
    protected override void PostStop() => LoyaltyMetrics.CustomersAlive.Dec(_byId.Count);

    private void OnPassivate(Passivate passivate)
    {
        if (_byRef.TryGetValue(Sender, out var id)) Passivate(id, Sender, passivate.StopMessage);
    }

    /// <summary>From now until <paramref name="child"/> has stopped, messages for <paramref name="id"/> wait in a buffer.</summary>
    private void Passivate(string id, IActorRef child, object stopMessage)
    {
        if (!_passivating.TryAdd(id, [])) return;
        LoyaltyMetrics.CustomerPassivations.Inc();
        child.Tell(stopMessage);
    }

    /// <summary>Stops every child that was handed nothing for the idle time.</summary>
    private void PassivateIdle()
    {
        var now = Environment.TickCount64;
        List<(string Id, IActorRef Actor)>? idle = null;
        foreach (var (id, child) in _byId)
            if (now - child.TouchedAt >= _idleAfterMs && !_passivating.ContainsKey(id))
                (idle ??= []).Add((id, child.Actor));
        if (idle is null) return;
        foreach (var (id, actor) in idle) Passivate(id, actor, StopCustomer.Instance);
    }

    private void OnTerminated(Terminated terminated)
    {
        if (!_byRef.Remove(terminated.ActorRef, out var id)) return;
        _byId.Remove(id);
        LoyaltyMetrics.CustomersAlive.Dec();
        if (!_passivating.Remove(id, out var buffer) || buffer.Count == 0) return;
        var next = ChildFor(id);
        foreach (var (message, sender) in buffer) next.Tell(message, sender);
    }
}
