using System.CommandLine;
using NodaTime;
using System.Diagnostics;
using Akka.Actor;
using Akka.Streams;
using Akka.Streams.Dsl;
using LoyaltyActors.Actors.Customers;
using LoyaltyActors.Actors.Projections;
using LoyaltyActors.Domain.Recommendations;

namespace LoyaltyActors.Host.Cli;

public static class RebuildCommand
{
    private static async Task RebuildAggregator(OfflineEngine engine, JournalProjection fresh, CancellationToken ct)
    {
        var watch = Stopwatch.StartNew();
        var before = engine.Models.OffsetOf(fresh.Name);
        await fresh.CatchUpAsync(engine.System, ct);
        fresh.Save(engine.Models);
        Console.WriteLine($"rebuilt {fresh.Name} from {fresh.EventsConsumed} events in {watch.Elapsed.TotalSeconds:F1} s"
                          + (before is { } b ? $" (the previous model had consumed up to offset {b}, the journal ends at {fresh.Offset})" : " (no previous model)"));
    }

    /// <summary>Every recommender partition refolded from the first event in one journal read, each saved under its own name.</summary>
    private static async Task RebuildRecommender(OfflineEngine engine, CancellationToken ct)
    {
        var settings = engine.Options.Recommender;
        var watch = Stopwatch.StartNew();
        var fresh = Enumerable.Range(0, settings.Partitions)
            .Select(i => RecommenderProjection.Empty(settings, new SkuPartition(i, settings.Partitions)))
            .ToArray();
        var before = engine.Models.OffsetOf(fresh[0].Name);
        await RecommenderPartitions.CatchUpAsync(fresh, engine.System, ct);
        foreach (var partition in fresh) partition.Save(engine.Models);
        var names = fresh.Length == 1 ? fresh[0].Name : $"{RecommenderProjection.ModelName} ({fresh.Length} partitions, {fresh[0].Name} … {fresh[^1].Name})";
        Console.WriteLine($"rebuilt {names} from {fresh[0].EventsConsumed} events in {watch.Elapsed.TotalSeconds:F1} s"
                          + (before is { } b ? $" (the previous model had consumed up to offset {b}, the journal ends at {fresh[0].Offset})" : " (no previous model)"));
    }

    public static Command Create(IClock clock)
    {
        var dataDir = CommonOptions.DataDir();
        var config = CommonOptions.Config();
        var parallelism = new Option<int>("--parallelism") { Description = "Customers rebuilt at once", DefaultValueFactory = _ => 32 };
        var command = new Command("rebuild", """
            Rebuilds every read model and aggregator from the journal, the single source of truth: each customer's
            snapshot (its journal folded from the first event, compared with the state it ran with, saved afresh),
            then the segment, recommender and dashboard statistics models (folded from the first event, replacing models.db's).
            Run it after upgrading to a version whose fold or models changed. Shows progress; prints one line
            per part, e.g. `rebuilt N customers from E events in S s: M differed from their previous state`.
            Example: loyalty rebuild --data-dir ./data
            """)
        {
            dataDir, config, parallelism,
        };
        command.SetAction(async (result, ct) =>
        {
            await using var engine = await OfflineEngine.StartAsync(result.GetValue(dataDir)!, result.GetValue(config), clock, ct);
            var watch = Stopwatch.StartNew();
            long customers = 0, events = 0, differed = 0;
            var lastReport = Stopwatch.StartNew();
            await JournalEvents.ReadJournal(engine.System)
                .CurrentPersistenceIds()
                .Where(id => id.StartsWith(CustomerActor.PersistencePrefix, StringComparison.Ordinal))
                .SelectAsync(Math.Max(1, result.GetValue(parallelism)), id => engine.Customers.Ask<RebuildCustomerResult>(
                    new RebuildCustomer(id[CustomerActor.PersistencePrefix.Length..]), TimeSpan.FromMinutes(2), ct))
                .RunForeach(r =>
                {
                    customers++;
                    events += r.Events;
                    if (!r.Matched)
                    {
                        differed++;
                        Console.Error.WriteLine($"rebuild: customer '{r.CustomerId}' differed from its previous state; rebuilt from {r.Events} events");
                    }

                    if (lastReport.ElapsedMilliseconds >= 2000)
                    {
                        lastReport.Restart();
                        Console.Error.WriteLine($"rebuild: {customers:N0} customers, {events:N0} events, {customers / watch.Elapsed.TotalSeconds:N0} customers/s");
                    }
                }, engine.System.Materializer());
            Console.WriteLine($"rebuilt {customers} customers from {events} events in {watch.Elapsed.TotalSeconds:F1} s: {differed} differed from their previous state");

            // The aggregators: each is refolded from the first event and replaces its saved model.
            var options = engine.Options;
            await RebuildAggregator(engine, SegmentsProjection.Empty(options.Segments), ct);
            await RebuildRecommender(engine, ct);
            await RebuildAggregator(engine, StatsProjection.Empty(options.Customers.Scoring.Loyalty), ct);
            return 0;
        });
        return command;
    }
}
