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
    [InlineData("akka.persistence.journal.sql")]
    [InlineData("akka.persistence.snapshot-store.sql")]
    public async Task The_journal_and_the_snapshot_store_run_on_threads_of_their_own_not_the_shared_pool(string name)
    {
        Akka.Persistence.Persistence.Instance.Apply(Sys);
        var plugin = await Sys.ActorSelection($"/system/{name}").ResolveOne(TimeSpan.FromSeconds(10));

        var dispatcher = ((ActorRefWithCell)plugin).Underlying.Props.Dispatcher;
        Assert.Equal(Persistence.PersistenceHocon.PluginDispatcher, dispatcher);
        Assert.IsType<Akka.Dispatch.PinnedDispatcher>(Sys.Dispatchers.Lookup(dispatcher));
    }
}
