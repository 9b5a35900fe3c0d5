using Akka.Actor;
using Akka.Configuration;
using Akka.Event;
using LoyaltyActors.Domain.Customers;
using Akka.Hosting;
using LoyaltyActors.Actors.Cluster;
using LoyaltyActors.Actors.Customers;
using LoyaltyActors.Actors.Persistence;
using LoyaltyActors.Actors.Projections;
using LoyaltyActors.Storage;
using LoyaltyActors.Actors.Serialization;

namespace LoyaltyActors.Actors.Hosting;

/// <summary>Registry key of the actor that routes to customers (local region or shard region).</summary>
public sealed class CustomerRegion;

/// <summary>Registry key of the segment aggregator.</summary>
public sealed class SegmentsAggregator;

/// <summary>Registry key of the recommender aggregator.</summary>
public sealed class RecommenderAggregator;

/// <summary>Registry key of the loyalty program's services (persisted wake-up timers, notification hand-over).</summary>
public sealed class ProgramServices;
/// <summary>Registry key of the dashboard statistics aggregator (loyalty histogram, tiers).</summary>
public sealed class StatsAggregator;

/// <summary>Everything the actor side needs, bound from configuration by the host.</summary>
public sealed record LoyaltyActorsOptions(CustomerSettings Customers, JournalSettings Journal, PersistenceTuning Tuning)
{
    /// <summary>Run the segment and recommender aggregators (off: an ingest-only node).</summary>
    public bool Aggregators { get; init; } = true;

    /// <summary>Where rewards are handed over for notification; null = no notifications.</summary>
    public IRewardSink? Rewards { get; init; }

    public SegmentSettings Segments { get; init; } = new();
    public RecommenderSettings Recommender { get; init; } = new();
    public ProjectionSettings Projections { get; init; } = new();

    /// <summary>Cluster membership; the default (no seed nodes) is a single node.</summary>
    public ClusterSettings Cluster { get; init; } = ClusterSettings.SingleNode;
}

public static class LoyaltyActorsHosting
{
    /// <summary>The actor system's name, everywhere (CONTRACT).</summary>
    public const string SystemName = "loyalty";

    /// <summary>
    /// The complete configuration of persistence and serialization: what <see cref="WithLoyaltyActors"/>
    /// adds, usable on its own (e.g. by a TestKit actor system).
    /// </summary>
    public static Config ActorSystemConfig(JournalSettings journal, PersistenceTuning tuning) =>
        PersistenceHocon.For(journal, tuning)
            .WithFallback(ConfigurationFactory.ParseString($$"""
                akka.actor {
                  serializers.loyalty = "{{typeof(LoyaltySerializer).AssemblyQualifiedName}}"
                  serialization-bindings {
                    "{{typeof(CustomerEvent).AssemblyQualifiedName}}" = loyalty
                    "{{typeof(CustomerState).AssemblyQualifiedName}}" = loyalty
                  }
                  serialization-identifiers {
                    "{{typeof(LoyaltySerializer).AssemblyQualifiedName}}" = {{LoyaltySerializer.SerializerId}}
                  }
                }
                """))
            .WithFallback(CustomerMailbox.Hocon)
            .WithFallback(Akka.Persistence.Sql.SqlPersistence.DefaultConfiguration);

    /// <summary>
    /// Wires persistence, serialization and the customer region into an Akka.Hosting builder.
    /// Shared by the host and the tests, so both run the same actor system.
    /// </summary>
    public static AkkaConfigurationBuilder WithLoyaltyActors(this AkkaConfigurationBuilder builder, LoyaltyActorsOptions options, ModelStore? models = null)
    {
        if (options.Cluster.Enabled) return builder.WithLoyaltyCluster(options, models);
        if (options.Journal.IsSqlite) SqliteSetup.Prepare(options.Journal.ConnectionString);
        return builder
            .AddHocon(ActorSystemConfig(options.Journal, options.Tuning), HoconAddMode.Prepend)
            .WithActors((system, registry) =>
            {
                PersistenceClock.Get(system).Use(options.Customers.Clock);
                // The journal and snapshot store start now (auto-start, PersistenceHocon), not with the first customer.
                Akka.Persistence.Persistence.Instance.Apply(system);
                var region = system.ActorOf(
                    LocalCustomerRegion.Props(new CustomerMessageExtractor(),
                        id => CustomerActor.Props(id, options.Customers), options.Customers.PassivateAfter),
                    "customers");
                registry.Register<CustomerRegion>(region);
                if (models is null) return;

                // The program's services follow the journal on their own stream, ticking every second so that
                // expiry and tier reviews happen on time.
                var program = new List<JournalProjection> { WakeUpProjection.Load(models, region, options.Customers.Clock) };
                if (options.Rewards is { } sink)
                {
                    program.Add(NotificationProjection.Load(models, sink));
                    system.ActorOf(RewardRelay.Props(sink), "reward-relay");
                }

                registry.Register<ProgramServices>(system.ActorOf(
                    ProjectionActor.Props(program, models, ProgramProjectionSettings(options)), "program"));
                if (!options.Aggregators) return;

                // The aggregators follow the journal live; offline commands run the same projections directly.
                // One host, one journal stream for segments and stats: each event is read and deserialised once.
                var aggregators = system.ActorOf(ProjectionActor.Props(Aggregators(options, models, withRecommender: false), models, options.Projections), "aggregators");
                registry.Register<SegmentsAggregator>(aggregators);
                registry.Register<StatsAggregator>(aggregators);

                // The recommender's pair counting is the heaviest fold: each SKU partition runs on its own actor (so on
                // its own core), fed by one journal stream of its own, and the router merges their answers.
                var partitions = RecommenderPartitions.Load(models, options.Recommender, message => system.Log.Warning("{0}", message));
                registry.Register<RecommenderAggregator>(system.ActorOf(RecommenderRouter.Props(partitions, models, RecommenderSaves(options.Projections)), "recommender"));
            });
    }

    /// <summary>
    /// The recommender's saves write every order it remembers (so that a later return can take the order's pairs back):
    /// their cost grows with the history, unlike the other models'. They are spaced out to every 5 minutes or 2 million
    /// events unless configured otherwise; a restart catches up from the saved offset.
    /// </summary>
    internal static ProjectionSettings RecommenderSaves(ProjectionSettings settings) =>
        settings == new ProjectionSettings() ? settings with { SaveEveryEvents = 2_000_000, SaveInterval = TimeSpan.FromMinutes(5) } : settings;

    internal static ProjectionSettings ProgramProjectionSettings(LoyaltyActorsOptions options) =>
        options.Projections with { TickInterval = TimeSpan.FromSeconds(1) };

    /// <summary>
    /// Segments and stats, and (<paramref name="withRecommender"/>, for the cluster's singleton, which rebuilds from the
    /// journal on every takeover) the recommender as one unpartitioned model; a single node runs the recommender's
    /// partitions on their own actors instead.
    /// </summary>
    internal static IReadOnlyList<JournalProjection> Aggregators(LoyaltyActorsOptions options, ModelStore models, bool withRecommender) =>
        withRecommender
            ?
            [
                SegmentsProjection.Load(models, options.Segments).PublishTo(options.Customers.Population),
                RecommenderProjection.Load(models, options.Recommender with { Partitions = 1 }),
                StatsProjection.Load(models, options.Customers.Scoring.Loyalty),
            ]
            :
            [
                SegmentsProjection.Load(models, options.Segments).PublishTo(options.Customers.Population),
                StatsProjection.Load(models, options.Customers.Scoring.Loyalty),
            ];
}
