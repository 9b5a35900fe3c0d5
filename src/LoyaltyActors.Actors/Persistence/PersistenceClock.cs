using Akka.Actor;
using NodaTime;

namespace LoyaltyActors.Actors.Persistence;

/// <summary>
/// The clock our journal code stamps rows with (the <c>created</c> column), handed to the actor system by whoever
/// builds it (<see cref="Hosting.LoyaltyActorsHosting"/> with the host's clock; tests with their own). Akka creates the
/// journal from configuration, so the clock cannot be a constructor argument; it is read when a write is made.
/// </summary>
public sealed class PersistenceClock : IExtension
{
    private IClock? _clock;

    public static PersistenceClock Get(ActorSystem system) => system.WithExtension<PersistenceClock, Provider>();

    /// <summary>Sets the clock; call before the first event is persisted.</summary>
    public void Use(IClock clock) => Volatile.Write(ref _clock, clock);

    /// <summary>Now, in ticks since 0001-01-01 UTC (the layout of the plugin's <c>created</c> column).</summary>
    public long NowTicks() =>
        (Volatile.Read(ref _clock) ?? throw new InvalidOperationException(
            "no clock for the journal: call PersistenceClock.Get(system).Use(clock) when building the actor system"))
        .GetCurrentInstant().ToDateTimeUtc().Ticks;

    private sealed class Provider : ExtensionIdProvider<PersistenceClock>
    {
        public override PersistenceClock CreateExtension(ExtendedActorSystem system) => new();
    }
}
