using Akka.Actor;
using Akka.Hosting;
using LoyaltyActors.Actors.Customers;
using LoyaltyActors.Actors.Persistence;
using LoyaltyActors.Actors.Serialization;

namespace LoyaltyActors.Actors.Hosting;

/// <summary>Registry key of the actor that routes to customers (local region or shard region).</summary>
public sealed class CustomerRegion;

/// <summary>Everything the actor side needs, bound from configuration by the host.</summary>
public sealed record LoyaltyActorsOptions(CustomerSettings Customers, JournalSettings Journal, PersistenceTuning Tuning);

public static class LoyaltyActorsHosting
{
    /// <summary>The actor system's name, everywhere (CONTRACT).</summary>
    public const string SystemName = "loyalty";

    /// <summary>
    /// Wires persistence, serialization and the customer region into an Akka.Hosting builder.
    /// Shared by the host and the tests, so both run the same actor system.
    /// </summary>
    public static AkkaConfigurationBuilder WithLoyaltyActors(this AkkaConfigurationBuilder builder, LoyaltyActorsOptions options)
    {
        if (options.Journal.IsSqlite) SqliteSetup.Prepare(options.Journal.ConnectionString);
        return builder
            .AddHocon(PersistenceHocon.For(options.Journal, options.Tuning), HoconAddMode.Prepend)
            .AddHocon(Akka.Persistence.Sql.SqlPersistence.DefaultConfiguration, HoconAddMode.Append)
            .WithCustomSerializer("loyalty", LoyaltySerializer.BoundTypes, system => new LoyaltySerializer(system))
            .WithActors((system, registry) =>
            {
                var region = system.ActorOf(
                    LocalCustomerRegion.Props(new CustomerMessageExtractor(),
                        id => CustomerActor.Props(id, options.Customers)),
                    "customers");
                registry.Register<CustomerRegion>(region);
            });
    }
}
