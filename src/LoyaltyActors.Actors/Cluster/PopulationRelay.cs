using Akka.Actor;
using Akka.Cluster.Tools.PublishSubscribe;
using LoyaltyActors.Actors.Customers;
using LoyaltyActors.Domain.Scoring;

namespace LoyaltyActors.Actors.Cluster;

/// <summary>
/// Keeps every node's <see cref="PopulationBoard"/> (the population statistics behind every profile's behaviour score)
/// equal to the one the segment aggregator publishes on the node that hosts it. Each node runs one relay: a local
/// publication (seen by checking the board every <see cref="CheckEvery"/>) goes to the other nodes through distributed
/// pub-sub; a publication received from another node is put on the local board and not sent on again.
/// </summary>
public sealed class PopulationRelay : ReceiveActor, IWithTimers
{
    public const string Topic = "loyalty-population";
    public static readonly TimeSpan CheckEvery = TimeSpan.FromSeconds(2);

    private readonly PopulationBoard _board;
    private readonly IActorRef _mediator;
    private PopulationStats _seen;
    private PopulationStats? _received;

    public PopulationRelay(PopulationBoard board, IActorRef mediator)
    {
        _board = board;
        _mediator = mediator;
        _seen = board.Current;
        Receive<PopulationStats>(stats =>
        {
            // Our own publication comes back to us too (same instance); anything else is another node's.
            if (ReferenceEquals(stats, _board.Current)) return;
            _received = stats;
            _seen = stats;
            _board.Publish(stats);
        });
        Receive<Check>(_ =>
        {
            var current = _board.Current;
            if (ReferenceEquals(current, _seen)) return;
            _seen = current;
            if (!ReferenceEquals(current, _received)) _mediator.Tell(new Publish(Topic, current));
        });
        Receive<SubscribeAck>(_ => { });
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(PopulationBoard board, IActorRef mediator) =>
        Akka.Actor.Props.Create(() => new PopulationRelay(board, mediator));

    protected override void PreStart()
    {
        _mediator.Tell(new Subscribe(Topic, Self));
        Timers.StartPeriodicTimer("check", Check.Instance, CheckEvery);
    }

    private sealed class Check
    {
        public static readonly Check Instance = new();
    }
}
