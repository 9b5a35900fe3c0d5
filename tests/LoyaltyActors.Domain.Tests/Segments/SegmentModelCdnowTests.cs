using System.Globalization;
using LoyaltyActors.Domain.Segments;
using LoyaltyActors.Tests;
using Xunit;
using Xunit.Abstractions;

namespace LoyaltyActors.Domain.Tests.Segments;

/// <summary>
/// Clustering quality on CDNOW_master.txt (23,570 customers, 1997-01-01 .. 1998-06-30): the online model, fed in
/// file order and swept to convergence, against the best of several independent batch k-means runs on the very
/// vectors the model clusters.
/// </summary>
public sealed class SegmentModelCdnowTests(ITestOutputHelper output)
{
    private static readonly DateTime AsOf = new(1998, 6, 30, 0, 0, 0, DateTimeKind.Utc);

    private static List<(string Id, CustomerFeatures Features)> CdnowCustomers()
    {
        var path = TestData.Require("cdnow-lifetimes/CDNOW_master.txt");
        var order = new List<string>();
        var acc = new Dictionary<string, (DateTime Last, int Orders, decimal Dollars)>(StringComparer.Ordinal);
        var lineNo = 0;
        foreach (var line in File.ReadLines(path))
        {
            lineNo++;
            var cols = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (cols.Length == 0 || (lineNo == 1 && cols[0] == "customer_id")) continue;
            if (cols.Length != 4) throw new FormatException($"line {lineNo}: expected 4 columns, got {cols.Length}");
            var day = DateTime.ParseExact(cols[1], "yyyyMMdd", CultureInfo.InvariantCulture,
                DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal);
            var dollars = decimal.Parse(cols[3], NumberStyles.Number, CultureInfo.InvariantCulture);
            if (!acc.TryGetValue(cols[0], out var a))
            {
                order.Add(cols[0]);
                a = (day, 0, 0m);
            }

            acc[cols[0]] = (day > a.Last ? day : a.Last, a.Orders + 1, a.Dollars + dollars);
        }

        return order.Select(id =>
        {
            var a = acc[id];
            return (id, new CustomerFeatures((AsOf - a.Last).TotalDays, a.Orders, (double)a.Dollars, 1));
        }).ToList();
    }

    [SkippableFact]
    public void Online_model_swept_to_convergence_is_within_ten_percent_of_the_best_batch_kmeans()
    {
        var customers = CdnowCustomers();
        Assert.Equal(23_570, customers.Count);

        var model = new SegmentModel();
        foreach (var (id, features) in customers) model.Upsert(id, features);
        var online = model.Inertia();

        var sweeps = 0;
        int moved;
        do
        {
            moved = model.Sweep();
            sweeps++;
        } while (moved > 0 && sweeps < 50);

        Assert.Equal(0, moved);
        var segments = model.Segments;
        Assert.Equal(23_570L, segments.Sum(s => s.Size));
        Assert.Equal(5, segments.Select(s => s.Label).Distinct().Count());

        // the model's inertia, recomputed from its own export: Σ distance to the mean of each segment's vectors
        var export = model.Export();
        Assert.Equal(23_570, export.Count);
        var vectors = export.Select(e => e.Vector).ToList();
        var recomputed = 0.0;
        foreach (var group in export.GroupBy(e => e.Segment))
        {
            var mean = Enumerable.Range(0, 4).Select(d => group.Average(e => e.Vector[d])).ToArray();
            recomputed += group.Sum(e => BatchKMeans.Sq(e.Vector, mean));
        }

        var inertia = model.Inertia();
        Assert.Equal(recomputed, inertia, 1e-9 * recomputed);

        var batch = Enumerable.Range(1, 5).Select(seed => BatchKMeans.Run(vectors, 5, seed)).ToList();
        var best = batch.Min(r => r.Inertia);
        output.WriteLine($"online before sweeps {online:F1}; after {sweeps} sweeps {inertia:F1}; " +
                         $"batch k-means++ runs {string.Join(", ", batch.Select(r => $"{r.Inertia:F1} ({r.Iterations} it)"))}; " +
                         $"ratio {inertia / best:F4}");
        foreach (var s in segments)
            output.WriteLine($"  {s.Id} {s.Label,-12} {s.Size,6}  " +
                             string.Join("  ", s.Centroid.Select(kv => $"{kv.Key}={kv.Value:F1}")));

        Assert.True(inertia <= 1.10 * best, $"online inertia {inertia:F1} exceeds 110 % of the best batch inertia {best:F1}");

        // the labels read sensibly: champions bought more recently, more often and for more than the hibernating
        var champions = segments.Single(s => s.Label == "champions").Centroid;
        var hibernating = segments.Single(s => s.Label == "hibernating").Centroid;
        Assert.True(champions["recency"] < hibernating["recency"]);
        Assert.True(champions["frequency"] > hibernating["frequency"]);
        Assert.True(champions["monetary"] > hibernating["monetary"]);
    }
}
