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
/// passivated on request. While a child is stopping, messages for it are buffered and delivered to
/// its next incarnation, so passivation never loses a message.
/// </summary>
public sealed class LocalCustomerRegion : ReceiveActor
{
    private readonly IMessageExtractor _extractor;
    private readonly Func<string, Props> _entityProps;
    private readonly Dictionary<string, IActorRef> _byId = new(StringComparer.Ordinal);
    private readonly Dictionary<IActorRef, string> _byRef = new();
    private readonly Dictionary<string, List<(object Message, IActorRef Sender)>> _passivating = new(StringComparer.Ordinal);
    private readonly ILoggingAdapter _log = Context.GetLogger();

    public LocalCustomerRegion(IMessageExtractor extractor, Func<string, Props> entityProps)
    {
        _extractor = extractor;
        _entityProps = entityProps;

        Receive<Passivate>(OnPassivate);
        Receive<Terminated>(OnTerminated);
        Receive<GetLiveCount>(_ => Sender.Tell(_byId.Count));
        ReceiveAny(Route);
    }

    /// <summary>Asks the region how many customers are awake (reply: an <see cref="int"/>).</summary>
    public sealed class GetLiveCount
    {
        public static GetLiveCount Instance { get; } = new();

        private GetLiveCount()
        {
        }
    }

    public static Props Props(IMessageExtractor extractor, Func<string, Props> entityProps) =>
        Akka.Actor.Props.Create(() => new LocalCustomerRegion(extractor, entityProps));

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

    private IActorRef ChildFor(string id)
    {
        if (_byId.TryGetValue(id, out var child)) return child;
        child = Context.Watch(Context.ActorOf(_entityProps(id), Uri.EscapeDataString(id)));
        _byId[id] = child;
        _byRef[child] = id;
        LoyaltyMetrics.CustomerActivations.Inc();
        LoyaltyMetrics.CustomersAlive.Inc();
        return child;
    }

    // The children stop with the region and their Terminated is never processed.
    protected override void PostStop() => LoyaltyMetrics.CustomersAlive.Dec(_byId.Count);

    private void OnPassivate(Passivate passivate)
    {
        if (!_byRef.TryGetValue(Sender, out var id) || _passivating.ContainsKey(id)) return;
        _passivating[id] = [];
        LoyaltyMetrics.CustomerPassivations.Inc();
        Sender.Tell(passivate.StopMessage);
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
