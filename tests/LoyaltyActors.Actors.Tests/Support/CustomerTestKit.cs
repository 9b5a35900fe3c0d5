using Akka.Actor;
using Akka.TestKit.Xunit2;
using LoyaltyActors.Actors.Customers;
using LoyaltyActors.Actors.Hosting;
using LoyaltyActors.Domain.Customers;
using LoyaltyActors.Domain.Scoring;
using NodaTime;
using NodaTime.Testing;
using Xunit;
using Xunit.Abstractions;

namespace LoyaltyActors.Actors.Tests.Support;

/// <summary>
/// A TestKit whose actor system runs the production persistence and serialization config on its own
/// SQLite file. xUnit makes one instance per test, so every test gets a fresh system and journal.
/// </summary>
public abstract class CustomerTestKit : TestKit, IAsyncLifetime
{
    protected CustomerTestKit(ITestOutputHelper output)
        : this(new TempJournal(), output)
    {
    }

    /// <summary>With journal tunables of the test's own (e.g. a refresh interval no test could wait for).</summary>
    protected CustomerTestKit(ITestOutputHelper output, Persistence.PersistenceTuning tuning)
        : this(new TempJournal(tuning), output)
    {
    }

    private CustomerTestKit(TempJournal journal, ITestOutputHelper output)
        : base(journal.Config, LoyaltyActorsHosting.SystemName, output)
    {
        Journal = journal;
        // The journal's row stamps: a tick later on every read, so each group-commit write has its own stamp.
        Persistence.PersistenceClock.Get(Sys).Use(new FakeClock(Instant.FromUtc(2024, 1, 1, 0, 0), Duration.FromTicks(1)));
    }

    /// <summary>
    /// Waits until the journal, the snapshot store and the system's stream materializer have started. A test's first
    /// customers and projections otherwise start together with them, in a cold process on a loaded machine (CI), and no
    /// test here measures start-up.
    /// </summary>
    public async Task InitializeAsync()
    {
        var persistence = Akka.Persistence.Persistence.Instance.Apply(Sys);
        var started = TimeSpan.FromSeconds(120);
        await persistence.JournalFor(null).Ask<Persistence.WriteQueue>(Persistence.GetWriteQueue.Instance, started);
        await persistence.SnapshotStoreFor(null).Ask<Akka.Persistence.LoadSnapshotResult>(
            new Akka.Persistence.LoadSnapshot("test-kit-start", Akka.Persistence.SnapshotSelectionCriteria.Latest, long.MaxValue), started);
        // Likewise the system's stream materializer: until its supervisor has started, Akka.Streams materialises with a
        // blocking Ask on a pool thread, and a test's projections starting together starved the pool in a cold process.
        var materializer = (Akka.Streams.ActorMaterializer)Akka.Streams.ActorMaterializerExtensions.Materializer(Sys);
        await materializer.Supervisor.Ask<ActorIdentity>(new Identify("test-kit-start"), started);
    }

    public Task DisposeAsync() => Task.CompletedTask;

    protected TempJournal Journal { get; }

    protected FakeClock Clock { get; } = new(Instant.FromUtc(2024, 6, 1, 12, 0));

    protected CustomerSettings Settings(int snapshotEvery = 1_000, TimeSpan? passivateAfter = null) =>
        new(PointsPolicy.Default, ScoringSettings.Default, snapshotEvery, passivateAfter ?? TimeSpan.FromHours(1), Clock);

    protected async Task<RecordEventsResult> RecordAsync(IActorRef customer, string customerId, params CustomerCommand[] commands)
    {
        customer.Tell(new RecordEvents(customerId, commands), TestActor);
        return await ExpectMsgAsync<RecordEventsResult>(TimeSpan.FromSeconds(10));
    }

    internal async Task<CustomerStateResult> StateAsync(IActorRef customer, string customerId)
    {
        customer.Tell(new GetCustomerState(customerId), TestActor);
        return await ExpectMsgAsync<CustomerStateResult>(TimeSpan.FromSeconds(10));
    }

    protected async Task StopAsync(IActorRef actor)
    {
        Watch(actor);
        actor.Tell(PoisonPill.Instance);
        await ExpectTerminatedAsync(actor, TimeSpan.FromSeconds(10));
        Unwatch(actor);
    }

    /// <summary>The bytes the configured serializer writes for <paramref name="value"/>: equal states, equal bytes.</summary>
    protected byte[] Bytes(object value) => Sys.Serialization.FindSerializerFor(value).ToBinary(value);

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing) Journal.Dispose();
    }
}
