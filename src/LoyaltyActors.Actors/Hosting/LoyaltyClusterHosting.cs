using LoyaltyActors.Actors.Persistence;
using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Cluster.Tools.PublishSubscribe;
using Akka.Cluster.Tools.Singleton;
using Akka.Hosting;
using LoyaltyActors.Actors.Cluster;
using LoyaltyActors.Actors.Customers;
using LoyaltyActors.Actors.Projections;
using LoyaltyActors.Storage;

namespace LoyaltyActors.Actors.Hosting;

/// <summary>
/// The clustered wiring of <see cref="LoyaltyActorsHosting.WithLoyaltyActors"/> (chosen when seed nodes are configured):
/// customers are sharding entities, the program services and the aggregators are cluster singletons that rebuild
/// their models from the shared journal wherever they start. The registry keys are the same as on a single node, so
/// the HTTP edge does not know the difference.
/// </summary>
public static class LoyaltyClusterHosting
{
    /// <summary>The rebuilt singletons save nothing worth keeping: saving is pushed out of the way.</summary>
    private static readonly ProjectionSettings NoSaves = new(SaveEveryEvents: int.MaxValue, SaveInterval: TimeSpan.FromDays(1));

    internal static AkkaConfigurationBuilder WithLoyaltyCluster(this AkkaConfigurationBuilder builder, LoyaltyActorsOptions options, ModelStore? models)
    {
        var cluster = options.Cluster.Validate();
        if (options.Journal.IsSqlite)
            throw new ArgumentException("Loyalty:Cluster:SeedNodes needs a journal every node shares: set Loyalty:Journal:Provider to 'postgresql'");

        return builder
            .AddHocon(ClusterHocon.For(cluster).WithFallback(LoyaltyActorsHosting.ActorSystemConfig(options.Journal, options.Tuning)), HoconAddMode.Prepend)
            .AddHocon(ClusterSharding.DefaultConfig()
                .WithFallback(ClusterSingleton.DefaultConfig())
                .WithFallback(DistributedPubSub.DefaultConfig()), HoconAddMode.Append)
            .WithActors((system, registry) =>
            {
                PersistenceClock.Get(system).Use(options.Customers.Clock);
                // Start the journal and snapshot store now, so that their tables exist before the first customer or
                // the first projection query needs them (auto-initialize creates them on start).
                var persistence = Akka.Persistence.Persistence.Instance.Apply(system);
                persistence.JournalFor(null);
                persistence.SnapshotStoreFor(null);

                var sharding = ClusterSharding.Get(system);
                // Sharding stops idle customers (StopCustomer, below) after the same idle time as the local region.
                var shardSettings = ClusterShardingSettings.Create(system).WithRole(ClusterHocon.Role).WithRememberEntities(false)
                    .WithPassivateIdleAfter(options.Customers.PassivateAfter);
                var shardRegion = sharding.Start(
                    ClusterHocon.CustomerTypeName,
                    id => CustomerActor.Props(id, options.Customers),
                    shardSettings,
                    new CustomerMessageExtractor(),
                    sharding.DefaultShardAllocationStrategy(shardSettings),
                    StopCustomer.Instance);
                var region = system.ActorOf(ShardedCustomerRegion.Props(shardRegion), "customers");
                registry.Register<CustomerRegion>(region);
                if (models is null) return;

                // Profiles on every node score behaviour against the population the segment aggregator publishes.
                system.ActorOf(PopulationRelay.Props(options.Customers.Population, DistributedPubSub.Get(system).Mediator), "population-relay");

                // Rewards are handed to this node's notification sink by the customers persisting them here. The
                // journal path (NotificationProjection) is not run in a cluster: a rebuilt singleton would hand every
                // past reward over again to its own node's outbox (see README, Cluster).
                if (options.Rewards is { } sink) system.ActorOf(RewardRelay.Props(sink), "reward-relay");

                var clock = options.Customers.Clock;
                registry.Register<ProgramServices>(Singleton(system, "program", RebuildingProjectionHost.Props(
                    store => [WakeUpProjection.Load(store, region, clock)],
                    Path.Combine(cluster.ScratchDir, "cluster-program.db"),
                    NoSaves with { TickInterval = LoyaltyActorsHosting.ProgramProjectionSettings(options).TickInterval })));
                if (!options.Aggregators) return;

                var aggregators = Singleton(system, "aggregators", RebuildingProjectionHost.Props(
                    store => LoyaltyActorsHosting.Aggregators(options, store, withRecommender: true),
                    Path.Combine(cluster.ScratchDir, "cluster-aggregators.db"),
                    NoSaves with { TickInterval = options.Projections.TickInterval }));
                registry.Register<SegmentsAggregator>(aggregators);
                registry.Register<RecommenderAggregator>(aggregators);
                registry.Register<StatsAggregator>(aggregators);
            });
    }

    /// <summary>Runs <paramref name="props"/> once in the cluster (on the oldest node) and returns this node's proxy to it.</summary>
    private static IActorRef Singleton(ActorSystem system, string name, Props props)
    {
        system.ActorOf(ClusterSingletonManager.Props(
            props,
            PoisonPill.Instance,
            ClusterSingletonManagerSettings.Create(system).WithRole(ClusterHocon.Role).WithSingletonName(name)), name + "-singleton");
        return system.ActorOf(ClusterSingletonProxy.Props(
            $"/user/{name}-singleton",
            ClusterSingletonProxySettings.Create(system).WithRole(ClusterHocon.Role).WithSingletonName(name)), name + "-proxy");
    }
}
