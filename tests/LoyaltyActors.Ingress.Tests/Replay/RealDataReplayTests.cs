using System.Diagnostics;
using LoyaltyActors.Domain.Customers;
using LoyaltyActors.Domain.Wire;
using LoyaltyActors.Ingress.Replay;
using LoyaltyActors.Tests;
using NodaTime;
using Xunit;
using Xunit.Abstractions;

namespace LoyaltyActors.Ingress.Tests.Replay;

/// <summary>
/// The readers on the public data sets (/work/shared/data, READMEs there): counts the READMEs verify, and
/// published lifetimes summaries reproduced by folding the replayed commands through the domain.
/// Skipped when a data set is missing.
/// </summary>
public sealed class RealDataReplayTests(ITestOutputHelper output)
{
    private static int DataLines(string path, bool header) =>
        File.ReadLines(path).Count(l => !string.IsNullOrWhiteSpace(l)) - (header ? 1 : 0);

    [SkippableFact]
    public void Cdnow_sample_is_6919_purchases_of_2357_customers_giving_the_published_summaries()
    {
        var path = TestData.Require("cdnow-lifetimes/CDNOW_sample.txt");

        var items = Replays.ReadAll(path, ReplayFormat.CdnowSample);

        Replays.AssertWellFormed(path, items, DataLines(path, header: false));
        Assert.Equal(6919, items.Count);
        Assert.All(items, i => Assert.True(i.IsCommand, i.Error));
        Assert.Equal(2357, items.Select(i => i.Command!.CustomerId).Distinct().Count());

        // README: calibration end 1997-09-30, freq D, freq_multiplier 7, rounded to 2 dp:
        // ID 1 → 2, 30.43, 38.86, 22.35; ID 6 → 7, 29.43, 38.86, 73.74; ID 2 → 1, 1.71, 38.86; ID 3 → 0, 0, 38.86.
        var states = new Dictionary<string, CustomerState>();
        Assert.Empty(Replays.Fold(items.Select(i => i.Command!), states));
        var end = new LocalDate(1997, 9, 30);
        LifetimesSummary Summary(string id) => LifetimesSummaries.Compute(states[id].PurchaseDays, end, SummaryFrequency.Day, 7)!.Value;
        Assert.Equal((2, 30.43, 38.86, 22.35m), Round(Summary("0001")));
        Assert.Equal((7, 29.43, 38.86, 73.74m), Round(Summary("0006")));
        Assert.Equal((1, 1.71, 38.86), Round(Summary("0002")) is var (f2, r2, t2, _) ? (f2, r2, t2) : default);
        Assert.Equal((0, 0.0, 38.86), Round(Summary("0003")) is var (f3, r3, t3, _) ? (f3, r3, t3) : default);

        var summaries = states.Values.Select(s => LifetimesSummaries.Compute(s.PurchaseDays, end, SummaryFrequency.Day, 7)!.Value).ToList();
        Assert.Equal(2457, summaries.Sum(s => s.Frequency));
        Assert.Equal(946, summaries.Count(s => s.Frequency > 0));
    }

    [SkippableFact]
    public void Cdnow_master_is_69659_purchases_with_exact_dollars()
    {
        var path = TestData.Require("cdnow-lifetimes/CDNOW_master.txt");

        var items = Replays.ReadAll(path, ReplayFormat.Cdnow);

        Replays.AssertWellFormed(path, items, DataLines(path, header: true));
        Assert.Equal(69659, items.Sum(i => i.Rows));
        Assert.All(items, i => Assert.True(i.IsCommand, i.Error));
        var purchases = items.Select(i => (RecordPurchase)i.Command!).ToList();
        Assert.Equal(23570, purchases.Select(p => p.CustomerId).Distinct().Count());
        Assert.Equal(2_500_315.63m, purchases.Sum(p => p.Lines[0].UnitPrice));
        Assert.Equal(("CDNOW_master.txt:2", "00001"), (purchases[0].EventId, purchases[0].CustomerId));
        Assert.Equal(Instant.FromUtc(1998, 6, 30, 0, 0), purchases.Max(p => p.OccurredAt));
    }

    [SkippableFact]
    public void Groceries_is_9835_baskets_of_169_trimmed_items()
    {
        var path = TestData.Require("groceries/groceries.csv");

        var items = Replays.ReadAll(path, ReplayFormat.Baskets);

        Replays.AssertWellFormed(path, items, DataLines(path, header: false));
        Assert.Equal(9835, items.Count);
        Assert.All(items, i => Assert.True(i.IsCommand, i.Error));
        var lines = items.SelectMany(i => ((RecordPurchase)i.Command!).Lines).ToList();
        Assert.Equal(43367, lines.Count);
        Assert.Equal(169, lines.Select(l => l.Sku).Distinct().Count());
        Assert.Contains(lines, l => l.Sku == "cream cheese");
        Assert.DoesNotContain(lines, l => l.Sku != l.Sku.Trim());
        Assert.Equal(2513, lines.Count(l => l.Sku == "whole milk"));
        Assert.Equal("basket-9835", items[^1].Command!.CustomerId);
    }

    [SkippableFact]
    public void Online_retail_accounts_for_all_541909_rows_and_gives_the_published_summaries()
    {
        var path = TestData.Require("online-retail-uci/by-day");

        var clock = Stopwatch.StartNew();
        var items = Replays.ReadAll(path, ReplayFormat.OnlineRetail);
        clock.Stop();
        output.WriteLine($"read {items.Count} items in {clock.Elapsed.TotalSeconds:F2} s");

        Replays.AssertWellFormed(path, items, 541_909);

        // Expected figures: the README, and an independent Python implementation of the same rules
        // (group by InvoiceNo; purchases = non-C rows with CustomerID, Quantity > 0, UnitPrice ≥ 0;
        // cancelled rows allocated newest order first, all-or-nothing).
        var purchases = items.Where(i => i.Command is RecordPurchase).ToList();
        var returns = items.Where(i => i.Command is RecordReturn).ToList();
        var rejected = items.Where(i => !i.IsCommand).ToList();
        Assert.Equal(18_536, purchases.Count);
        Assert.Equal(397_924, purchases.Sum(p => p.Rows)); // README: rows with CustomerID and not cancelled
        Assert.Equal(4_339, purchases.Select(p => p.Command!.CustomerId).Distinct().Count());
        Assert.Equal(3_820, returns.Count);
        Assert.Equal(7_518, returns.Sum(r => r.Rows));
        Assert.Equal(250_377, returns.Sum(r => ((RecordReturn)r.Command!).Lines.Sum(l => l.Qty)));
        Assert.Equal(135_077, rejected.Where(r => r.Error == "no CustomerID").Sum(r => r.Rows));
        Assert.Equal(3, rejected.Where(r => r.Error!.StartsWith("bad-debt")).Sum(r => r.Rows));
        Assert.Equal(1_387, rejected.Where(r => r.Error!.StartsWith("Quantity: cancels")).Sum(r => r.Rows));
        var split = Assert.Single(purchases, p => p.EventId == "ore:542806");
        Assert.Equal(39, split.Rows); // the one invoice whose rows are interleaved with another's

        // Every command is accepted by the domain, in the order read.
        var states = new Dictionary<string, CustomerState>();
        Assert.Empty(Replays.Fold(items.Where(i => i.IsCommand).Select(i => i.Command!), states));

        // README (lifetimes on rows with CustomerID and Quantity > 0, freq D, observation end 2011-12-09).
        var end = new LocalDate(2011, 12, 9);
        var expected = new Dictionary<string, (int, double, double, decimal)>
        {
            ["12346"] = (0, 0, 325, 0m),
            ["12347"] = (6, 365, 367, 599.701667m),
            ["12348"] = (3, 283, 358, 301.48m),
            ["12349"] = (0, 0, 18, 0m),
            ["12350"] = (0, 0, 310, 0m),
            ["12352"] = (6, 260, 296, 368.256667m),
            ["12353"] = (0, 0, 204, 0m),
        };
        foreach (var (id, want) in expected)
        {
            var s = LifetimesSummaries.Compute(states[id].PurchaseDays, end, SummaryFrequency.Day)!.Value;
            Assert.Equal(want, (s.Frequency, s.Recency, s.T, Math.Round(s.MonetaryValue, 6)));
        }

        Assert.True(states["12346"].Returns == 1 && states["12346"].NetSpend == 0m, "12346 bought 74,215 units and returned them");
    }

    private static (int, double, double, decimal) Round(LifetimesSummary s) =>
        (s.Frequency, Math.Round(s.Recency, 2), Math.Round(s.T, 2), Math.Round(s.MonetaryValue, 2, MidpointRounding.AwayFromZero)); // lifetimes prints floats: 22.345 → 22.35
}
