using Akka.Actor;
using Akka.Cluster.Sharding;
using LoyaltyActors.Actors.Customers;

namespace LoyaltyActors.Actors.Cluster;

/// <summary>
/// This node's door to the customers of the whole cluster: forwards every customer message to the shard region,
/// which delivers it to the node that owns the customer's shard, and answers
/// <see cref="LocalCustomerRegion.GetLiveCount"/> (health) with the customers awake on this node, so the HTTP edge
/// talks to one actor whether the engine is one node or many. A node that is not (yet, or any more) an Up member of
/// the cluster answers health with a reason instead of a count, i.e. it is not ready: its customers could not be
/// reached.
/// </summary>
public sealed class ShardedCustomerRegion : ReceiveActor
{
    public ShardedCustomerRegion(IActorRef shardRegion)
    {
        Receive<LocalCustomerRegion.GetLiveCount>(_ =>
        {
            var sender = Sender;
            var self = Akka.Cluster.Cluster.Get(Context.System).SelfMember;
            if (self.Status != Akka.Cluster.MemberStatus.Up)
            {
                sender.Tell($"this node is {self.Status} in the cluster, not Up");
                return;
            }

            // Not awaited: customer messages keep flowing through this actor meanwhile.
            shardRegion.Ask<CurrentShardRegionState>(GetShardRegionState.Instance, TimeSpan.FromSeconds(2))
                .ContinueWith(t => t.IsCompletedSuccessfully
                    ? t.Result.Shards.Sum(s => s.EntityIds.Count)
                    : (object)$"the shard region did not answer: {t.Exception?.GetBaseException().Message}", TaskScheduler.Default)
                .PipeTo(sender);
        });
        ReceiveAny(m => shardRegion.Forward(m));
    }

    public static Props Props(IActorRef shardRegion) => Akka.Actor.Props.Create(() => new ShardedCustomerRegion(shardRegion));
}
