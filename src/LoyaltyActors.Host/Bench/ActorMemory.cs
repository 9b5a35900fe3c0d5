using Akka.Actor;
using LoyaltyActors.Actors.Customers;
using LoyaltyActors.Actors.Hosting;
using LoyaltyActors.Actors.Persistence;
using LoyaltyActors.Domain.Customers;
using LoyaltyActors.Domain.Scoring;
using NodaTime;

namespace LoyaltyActors.Host.Bench;

/// <summary>
/// Managed memory per awake customer, measured in this process: the customer region of the engine on its own journal,
/// N customers woken by one purchase each and kept awake; the managed heap after a full collection, before and after.
/// Counts the actor, its mailbox, persistence bookkeeping, its state and the region's entry; not the runtime's slack.
/// </summary>
internal static class ActorMemory
{
    public static async Task<double> BytesPerCustomerAsync(string dir, int customers, IClock clock, CancellationToken ct)
    {
        Directory.CreateDirectory(dir);
        var journal = JournalSettings.SqliteFile(Path.Combine(dir, "journal.db"));
        SqliteSetup.Prepare(journal.ConnectionString);
        using var system = ActorSystem.Create(LoyaltyActorsHosting.SystemName,
            LoyaltyActorsHosting.ActorSystemConfig(journal, PersistenceTuning.Default));
        LoyaltyActors.Actors.Persistence.PersistenceClock.Get(system).Use(clock);
        var settings = new CustomerSettings(PointsPolicy.Default, ScoringSettings.Default, 100, TimeSpan.FromHours(1), clock)
        {
            Program = LoyaltyProgram.Default,
        };
        var region = system.ActorOf(LocalCustomerRegion.Props(new CustomerMessageExtractor(), id => CustomerActor.Props(id, settings), settings.PassivateAfter), "customers");

        var at = clock.GetCurrentInstant() - Duration.FromDays(1);
        await WakeAsync(region, 0, 2_000, at, ct);
        var before = Heap();
        await WakeAsync(region, 2_000, 2_000 + customers, at, ct);
        var after = Heap();
        GC.KeepAlive(region);
        await system.Terminate();
        return (after - before) / (double)customers;
    }

    /// <summary>The same customers' states alone (decided and folded as the actor does), for the breakdown.</summary>
    public static double StateBytesPerCustomer(int customers, IClock clock)
    {
        var program = LoyaltyProgram.Default;
        var at = clock.GetCurrentInstant() - Duration.FromDays(1);
        var states = new CustomerState[customers];
        var before = Heap();
        for (var i = 0; i < customers; i++)
        {
            var id = "m-" + i.ToString(System.Globalization.CultureInfo.InvariantCulture);
            var decision = (Decision.Accepted)CustomerDecider.Decide(CustomerState.Empty,
                new RecordPurchase("e-" + id, id, at, "o-" + id, "bench", new[] { new PurchaseLineInput("SKU-" + (i % 97), "c" + (i % 7), 1, 12.5m) }), program);
            states[i] = decision.After ?? CustomerState.Empty.ApplyAll(decision.Events);
        }

        var after = Heap();
        GC.KeepAlive(states);
        return (after - before) / (double)customers;
    }

    private static long Heap()
    {
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        return GC.GetTotalMemory(forceFullCollection: true);
    }

    private static async Task WakeAsync(IActorRef region, int from, int to, Instant at, CancellationToken ct)
    {
        for (var start = from; start < to; start += 1_000)
        {
            var end = Math.Min(to, start + 1_000);
            await Task.WhenAll(Enumerable.Range(start, end - start).Select(i =>
            {
                var id = "m-" + i.ToString(System.Globalization.CultureInfo.InvariantCulture);
                return region.Ask<RecordEventsResult>(new RecordEvents(id,
                [
                    new RecordPurchase("e-" + id, id, at, "o-" + id, "bench", new[] { new PurchaseLineInput("SKU-" + (i % 97), "c" + (i % 7), 1, 12.5m) }),
                ]), TimeSpan.FromSeconds(60), ct);
            }));
        }
    }
}
