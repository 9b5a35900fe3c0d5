using Akka.Actor;
using Akka.Cluster.Sharding;
using LoyaltyActors.Actors.Customers;

namespace LoyaltyActors.Actors.Cluster;

/// <summary>
/// This node's door to the customers of the whole cluster: forwards every customer message to the shard region,
/// which delivers it to the node that owns the customer's shard, and answers
/// <see cref="LocalCustomerRegion.GetLiveCount"/> (health) with the customers awake on this node, so the HTTP edge
/// talks to one actor whether the engine is one node or many.
/// </summary>
public sealed class ShardedCustomerRegion : ReceiveActor
{
    public ShardedCustomerRegion(IActorRef shardRegion)
    {
        ReceiveAsync<LocalCustomerRegion.GetLiveCount>(async _ =>
        {
            var sender = Sender;
            try
            {
                var state = await shardRegion.Ask<CurrentShardRegionState>(GetShardRegionState.Instance, TimeSpan.FromSeconds(2));
                sender.Tell(state.Shards.Sum(s => s.EntityIds.Count));
            }
            catch (Exception ex)
            {
                sender.Tell(new Status.Failure(ex));
            }
        });
        ReceiveAny(m => shardRegion.Forward(m));
    }

    public static Props Props(IActorRef shardRegion) => Akka.Actor.Props.Create(() => new ShardedCustomerRegion(shardRegion));
}
