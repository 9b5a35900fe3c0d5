using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using LoyaltyActors.Domain.Customers;
using LoyaltyActors.Domain.Recommendations;
using LoyaltyActors.Domain.Wire;
using LoyaltyActors.Ingress.Replay;
using LoyaltyActors.Tests;
using Xunit;
using Xunit.Abstractions;

namespace LoyaltyActors.Ingress.Tests.Evaluation;

/// <summary>
/// Offline evaluation of the recommender (DESIGN §4) on UCI Online Retail, leave-last-order-out:
/// every customer with at least two orders has their last order (by time, ties by order of appearance) held out;
/// one <see cref="CoOccurrenceModel"/> is trained on all other orders (one-order customers included); each evaluated
/// customer then gets 10 personal recommendations (from the SKUs of their 3 most recent training orders, excluding
/// everything they bought in training) and 10 popularity-baseline SKUs (the most popular not already bought).
/// A hit is at least one held-out SKU among the 10. Both hit rates are reported (test output and
/// <c>TestResults/recommender-evaluation.json</c> under the working directory) and the personal one must be higher.
/// Skipped when the data set is missing.
/// </summary>
public sealed class LeaveLastOrderOutTests(ITestOutputHelper output)
{
    private const int TopN = 10;
    private const int RecentOrders = 3;
    private const long MinPairCount = 2; // Recommend's default, passed explicitly so the report names it

    /// <summary>One order as bought: its distinct SKUs, and its position in the file for tie-breaking.</summary>
    private sealed record Order(string CustomerId, NodaTime.Instant At, long Sequence, string[] Skus);

    [SkippableFact]
    public void Online_retail_personal_recommendations_beat_popularity_at_10()
    {
        var path = TestData.Require("online-retail-uci/by-day");
        var total = Stopwatch.StartNew();

        // 1. Read every purchase in file order; one order per RecordPurchase, distinct SKUs.
        var read = Stopwatch.StartNew();
        var orders = new List<Order>();
        foreach (var item in ReplayReader.Read(path, ReplayFormat.OnlineRetail, WireLimits.Default))
        {
            if (item.Command is not RecordPurchase p) continue;
            var skus = p.Lines.Select(l => l.Sku).Distinct(StringComparer.Ordinal).ToArray();
            orders.Add(new Order(p.CustomerId, p.OccurredAt, orders.Count, skus));
        }

        read.Stop();
        Assert.NotEmpty(orders);

        // 2. Per customer, orders by time then appearance; the last order of a customer with ≥ 2 orders is held out.
        var byCustomer = orders
            .GroupBy(o => o.CustomerId, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.OrderBy(o => o.At).ThenBy(o => o.Sequence).ToList(), StringComparer.Ordinal);
        var heldOut = byCustomer.Values.Where(list => list.Count >= 2).Select(list => list[^1]).ToHashSet();

        // 3. Train on everything else, default pair cap.
        var train = Stopwatch.StartNew();
        var model = new CoOccurrenceModel();
        foreach (var order in orders)
        {
            if (!heldOut.Contains(order)) model.AddOrder(order.Skus);
        }

        train.Stop();

        // 4. Score each evaluated customer. Recommend is the costly part (tens of ms for a customer with many recent
        //    items), so customers are split over workers; the model is single-owner, so every worker beyond the first
        //    queries its own copy rebuilt from the snapshot. Results go to per-customer slots: the figures do not
        //    depend on the number of workers.
        var evaluate = Stopwatch.StartNew();
        var cases = byCustomer
            .Where(kv => kv.Value.Count >= 2)
            .OrderBy(kv => kv.Key, StringComparer.Ordinal)
            .Select(kv => kv.Value)
            .ToArray();
        var results = new (bool PersonalHit, bool BaselineHit, int CoPurchases)[cases.Length];
        var workers = Math.Clamp(Environment.ProcessorCount, 1, 4);
        var snapshot = workers > 1 ? model.ToSnapshot() : null;
        Parallel.For(0, workers, new ParallelOptions { MaxDegreeOfParallelism = workers }, worker =>
        {
            var own = worker == 0 ? model : CoOccurrenceModel.FromSnapshot(snapshot!);
            var popular = own.Popular(own.DistinctItems); // the whole ranking: the filter below may skip many
            for (var i = worker; i < cases.Length; i += workers) results[i] = Score(own, popular, cases[i]);
        });
        evaluate.Stop();
        total.Stop();

        var evaluated = cases.Length;
        var personalHits = results.Count(r => r.PersonalHit);
        var baselineHits = results.Count(r => r.BaselineHit);
        var covered = results.Count(r => r.CoPurchases > 0);
        var coPurchaseSlots = results.Sum(r => (long)r.CoPurchases);

        Assert.True(evaluated > 0, "no customer has two orders");
        var personalRate = (double)personalHits / evaluated;
        var baselineRate = (double)baselineHits / evaluated;

        var report = new
        {
            dataSet = "online-retail-uci/by-day",
            protocol = "leave-last-order-out",
            k = TopN,
            recentOrders = RecentOrders,
            minPairCount = MinPairCount,
            maxPairsPerOrder = model.MaxPairsPerOrder,
            workers,
            orders = orders.Count,
            customers = byCustomer.Count,
            trainingOrders = model.Orders,
            cappedTrainingOrders = model.CappedOrders,
            evaluatedCustomers = evaluated,
            personal = new { hits = personalHits, hitRate = personalRate },
            popularity = new { hits = baselineHits, hitRate = baselineRate },
            coverage = new
            {
                customersWithCoPurchase = covered,
                rate = (double)covered / evaluated,
                coPurchaseSlotsShare = (double)coPurchaseSlots / ((long)evaluated * TopN),
            },
            seconds = new
            {
                read = read.Elapsed.TotalSeconds,
                train = train.Elapsed.TotalSeconds,
                evaluate = evaluate.Elapsed.TotalSeconds,
                total = total.Elapsed.TotalSeconds,
                processCpu = Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds,
            },
        };

        var json = JsonSerializer.Serialize(report, new JsonSerializerOptions { WriteIndented = true });
        var folder = Path.Combine(Directory.GetCurrentDirectory(), "TestResults");
        Directory.CreateDirectory(folder);
        var file = Path.Combine(folder, "recommender-evaluation.json");
        File.WriteAllText(file, json);

        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Online Retail leave-last-order-out, {evaluated} customers evaluated ({orders.Count} orders, {byCustomer.Count} customers)"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"hit rate@{TopN}: personal {personalRate:P2} ({personalHits}), popularity {baselineRate:P2} ({baselineHits})"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"coverage: {covered} of {evaluated} customers got ≥ 1 co-purchase recommendation ({(double)covered / evaluated:P1})"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"time: read {read.Elapsed.TotalSeconds:F1} s, train {train.Elapsed.TotalSeconds:F1} s, evaluate {evaluate.Elapsed.TotalSeconds:F1} s ({workers} workers), total {total.Elapsed.TotalSeconds:F1} s"));
        output.WriteLine($"written to {file}");

        Assert.True(baselineRate > 0, "the popularity baseline never hits");
        Assert.True(personalRate > 0, "the personal recommendations never hit");
        Assert.True(personalRate > baselineRate,
            string.Create(CultureInfo.InvariantCulture,
                $"personal hit rate@{TopN} {personalRate:P2} does not beat popularity {baselineRate:P2} on {evaluated} customers"));
    }

    /// <summary>
    /// One evaluated customer (orders oldest first, the last one held out): whether the personal and the popularity
    /// top-10 hit the held-out order, and how many of the personal ones are co-purchase (not popularity fill).
    /// </summary>
    private static (bool PersonalHit, bool BaselineHit, int CoPurchases) Score(
        CoOccurrenceModel model, IReadOnlyList<(string Sku, long Count)> popular, List<Order> orders)
    {
        var target = orders[^1].Skus.ToHashSet(StringComparer.Ordinal);
        var training = orders.Take(orders.Count - 1).ToList();

        // Recent items: the SKUs of the newest RecentOrders training orders, newest first, distinct.
        var recent = new List<string>();
        var seenRecent = new HashSet<string>(StringComparer.Ordinal);
        foreach (var order in Enumerable.Reverse(training).Take(RecentOrders))
        {
            foreach (var sku in order.Skus)
            {
                if (seenRecent.Add(sku)) recent.Add(sku);
            }
        }

        var bought = training.SelectMany(o => o.Skus).ToHashSet(StringComparer.Ordinal);

        var personal = model.Recommend(recent, bought, TopN, MinPairCount);
        var coPurchases = personal.Count(r => r.Reason == Recommendation.CoPurchase);
        var personalHit = personal.Any(r => target.Contains(r.Sku));

        var baseline = popular.Where(p => !bought.Contains(p.Sku)).Take(TopN);
        var baselineHit = baseline.Any(p => target.Contains(p.Sku));
        return (personalHit, baselineHit, coPurchases);
    }
}
