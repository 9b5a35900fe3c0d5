using Akka.Actor;
using LoyaltyActors.Actors.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace LoyaltyActors.Actors.Tests;

/// <summary>
/// The journal, its recovery permitter and the snapshot store start with the persistence extension, before any customer:
/// their start-up (tables, known ids) is not done while the first customers wait on it.
/// </summary>
public sealed class PersistenceStartTests(ITestOutputHelper output) : CustomerTestKit(output)
{
    [Theory]
    [InlineData("akka.persistence.journal.sql")]
    [InlineData("recoveryPermitter-akka.persistence.journal.sql")]
    [InlineData("akka.persistence.snapshot-store.sql")]
    public async Task The_persistence_extension_starts_the_plugin_before_any_persistent_actor_asks_for_it(string name)
    {
        // A system of its own: this test kit's own start-up asks for the plugins, which would start them anyway.
        using var journal = new TempJournal();
        var system = ActorSystem.Create("loyalty-start", journal.Config);
        try
        {
            // No customer, no request for a plugin: only the extension itself can have created the actor.
            Akka.Persistence.Persistence.Instance.Apply(system);

            var found = await system.ActorSelection($"/system/{name}").ResolveOne(TimeSpan.FromSeconds(10));

            Assert.Equal(name, found.Path.Name);
        }
        finally
        {
            await system.Terminate();
        }
    }

    [Theory]
    [InlineData("akka.persistence.journal.sql", Persistence.PersistenceHocon.JournalDispatcher)]
    [InlineData("akka.persistence.snapshot-store.sql", Persistence.PersistenceHocon.SnapshotDispatcher)]
    public async Task The_journal_and_the_snapshot_store_run_on_dispatchers_of_their_own(string name, string expected)
    {
        Akka.Persistence.Persistence.Instance.Apply(Sys);
        var plugin = await Sys.ActorSelection($"/system/{name}").ResolveOne(TimeSpan.FromSeconds(10));

        Assert.Equal(expected, ((ActorRefWithCell)plugin).Underlying.Props.Dispatcher);
    }

    [Fact]
    public async Task The_plugin_dispatchers_run_on_two_threads_of_their_own_not_the_shared_pool()
    {
        // Probes on the plugins' dispatchers run on the plugins' threads (each dispatcher has one).
        var journal = await ThreadOfAsync(Persistence.PersistenceHocon.JournalDispatcher);
        var snapshots = await ThreadOfAsync(Persistence.PersistenceHocon.SnapshotDispatcher);

        Assert.False(journal.Pooled);
        Assert.False(snapshots.Pooled);
        Assert.NotEqual(journal.Id, snapshots.Id);
        Assert.Equal(journal.Id, (await ThreadOfAsync(Persistence.PersistenceHocon.JournalDispatcher)).Id);
    }

    private async Task<(int Id, bool Pooled)> ThreadOfAsync(string dispatcher)
    {
        var probe = Sys.ActorOf(Props.Create(() => new ThreadReporter()).WithDispatcher(dispatcher));
        var thread = await probe.Ask<(int, bool)>("which thread?", TimeSpan.FromSeconds(10));
        Sys.Stop(probe);
        return thread;
    }

    private sealed class ThreadReporter : ReceiveActor
    {
        public ThreadReporter() =>
            ReceiveAny(_ => Sender.Tell((Environment.CurrentManagedThreadId, Thread.CurrentThread.IsThreadPoolThread)));
    }
}
