using System.CommandLine;
using System.Diagnostics;
using Akka.Actor;
using Akka.Streams;
using Akka.Streams.Dsl;
using LoyaltyActors.Actors.Customers;
using LoyaltyActors.Actors.Projections;

namespace LoyaltyActors.Host.Cli;

public static class RebuildCommand
{
    public static Command Create()
    {
        var dataDir = CommonOptions.DataDir();
        var config = CommonOptions.Config();
        var parallelism = new Option<int>("--parallelism") { Description = "Customers rebuilt at once", DefaultValueFactory = _ => 32 };
        var command = new Command("rebuild", """
            Rebuilds every read model from the journal, the single source of truth. The read models today are
            the customers' snapshots: each customer's journal is folded from its first event, ignoring
            snapshots, compared with the state the customer ran with, and saved as a fresh snapshot.
            Run it after upgrading to a version whose fold (features, scores) changed. Shows progress; ends with
            one line `rebuilt N customers from E events in S s: M differed from their previous state`.
            Example: loyalty rebuild --data-dir ./data
            """)
        {
            dataDir, config, parallelism,
        };
        command.SetAction(async (result, ct) =>
        {
            await using var engine = await OfflineEngine.StartAsync(result.GetValue(dataDir)!, result.GetValue(config), ct);
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
            return 0;
        });
        return command;
    }
}
