using LoyaltyActors.Tests;
using Xunit;
using Xunit.Abstractions;

namespace LoyaltyActors.Host.Tests;

/// <summary>
/// CONTRACT <c>loyalty segments [--export FILE]</c> on the whole CDNOW cohort (23,570 customers, 69,659 purchases):
/// the model JSON, the exported vectors, and the quality of the online partition against batch k-means run here.
/// </summary>
[Collection(AggregatorCollection.Name)]
public sealed class AggregatorCdnowSegmentsTests(ITestOutputHelper output)
{
    private const string MasterFile = "cdnow-lifetimes/CDNOW_master.txt";
    private const int Rows = 69_659;
    private const int Customers = 23_570;

    [SkippableFact]
    public async Task Segments_of_the_cdnow_cohort_are_five_labelled_segments_whose_partition_is_near_batch_kmeans()
    {
        var master = TestData.Require(MasterFile);
        using var scratch = new CliScratch();
        var dataDir = scratch.Path("data");

        var replay = await CliProcess.RunAsync(TimeSpan.FromSeconds(150), "replay", master, "--format", "cdnow", "--data-dir", dataDir);
        output.WriteLine(replay.ToString());
        Assert.Equal(new ReplayReport(Rows, Rows, 0, 0, Rows, Rows, 0, 0), ReplayReport.Of(replay));

        var export = scratch.Path("segments.csv");
        var run = (await CliProcess.RunAsync(TimeSpan.FromSeconds(90), "segments", "--data-dir", dataDir, "--export", export)).Succeeded();
        output.WriteLine(run.Stdout);
        var model = SegmentsBody.Parse(run.Stdout);
        model.AssertWellFormed(Customers);
        Assert.Equal(Rows, model.EventsConsumed);

        // The export: one row per customer, the four standardised features the model clusters.
        var lines = File.ReadAllLines(export);
        Assert.Equal("customer_id,segment,recency,frequency,monetary,variety", lines[0]);
        var rows = lines.Skip(1).Select(l =>
        {
            var f = TestCsv.Split(l);
            Assert.True(f.Count == 6, $"expected 6 columns: '{l}'");
            return (Id: f[0], Label: f[1], X: f.Skip(2).Select(TestCsv.Double).ToArray());
        }).ToList();
        Assert.Equal(Customers, rows.Count);
        Assert.Equal(Customers, rows.Select(r => r.Id).Distinct(StringComparer.Ordinal).Count());
        Assert.Equal(Enumerable.Range(1, Customers).Select(i => i.ToString("D5")).Order(StringComparer.Ordinal),
            rows.Select(r => r.Id).Order(StringComparer.Ordinal));
        Assert.True(rows.All(r => r.X.All(double.IsFinite)), "an exported feature is not a finite number");
        for (var f = 0; f < 4; f++)
        {
            var column = rows.Select(r => r.X[f]).ToArray();
            var mean = column.Average();
            var sd = Math.Sqrt(column.Average(x => (x - mean) * (x - mean)));
            Assert.True(Math.Abs(mean) < 1e-6, $"{SegmentsBody.Features[f]} is not centred: mean {mean}");
            // CDNOW sells one category, so variety has no spread and standardises to 0.
            Assert.True(Math.Abs(sd - 1) < 1e-6 || (sd < 1e-9 && SegmentsBody.Features[f] == "variety"),
                $"{SegmentsBody.Features[f]} is not standardised: sd {sd}");
        }

        // The export and the model describe the same partition.
        var groups = rows.GroupBy(r => r.Label, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Select(r => r.X).ToList(), StringComparer.Ordinal);
        foreach (var s in model.Segments)
        {
            Assert.True(groups.TryGetValue(s.Label, out var members) && members.Count == s.Size,
                $"segment '{s.Label}' has size {s.Size} in the model and {groups.GetValueOrDefault(s.Label)?.Count ?? 0} rows in the export");
            var standardised = s.Raw.GetProperty("standardised_centroid");
            for (var f = 0; f < 4; f++)
            {
                var mean = members!.Average(x => x[f]);
                var reported = standardised.GetProperty(SegmentsBody.Features[f]).GetDouble();
                Assert.True(Math.Abs(mean - reported) < 1e-6, $"segment '{s.Label}' {SegmentsBody.Features[f]}: members' mean {mean}, centroid {reported}");
            }
        }

        var partition = groups.Values.Sum(Kmeans.WithinSquares);
        var reportedInertia = model.Raw.GetProperty("inertia").GetDouble();
        Assert.True(Math.Abs(partition - reportedInertia) <= 1e-6 * partition, $"inertia from the export {partition}, reported {reportedInertia}");

        var points = rows.Select(r => r.X).ToArray();
        var batch = Enumerable.Range(1, 4).Select(seed => Kmeans.Run(points, 5, seed)).ToList();
        var best = batch.Min();
        output.WriteLine($"online partition inertia {partition:F3}; batch k-means++/Lloyd runs {string.Join(", ", batch.Select(b => b.ToString("F3")))}");
        Assert.True(partition <= 1.10 * best, $"the online partition's inertia {partition:F3} is more than 10 % above the best batch k-means {best:F3}");
    }
}

/// <summary>Batch k-means (k-means++ seeding, then Lloyd iterations to convergence), written plainly as a reference.</summary>
public static class Kmeans
{
    /// <summary>Σ squared distance of the points to their mean.</summary>
    public static double WithinSquares(IReadOnlyList<double[]> points)
    {
        var d = points[0].Length;
        var mean = new double[d];
        foreach (var p in points)
            for (var f = 0; f < d; f++) mean[f] += p[f] / points.Count;
        return points.Sum(p => Distance(p, mean));
    }

    /// <summary>The inertia of the partition k-means converges to from a k-means++ start drawn with <paramref name="seed"/>.</summary>
    public static double Run(double[][] points, int k, int seed, int maxIterations = 300)
    {
        var random = new Random(seed);
        var n = points.Length;
        var d = points[0].Length;
        var centres = new List<double[]> { (double[])points[random.Next(n)].Clone() };
        var nearest = points.Select(p => Distance(p, centres[0])).ToArray();
        while (centres.Count < k)
        {
            var target = random.NextDouble() * nearest.Sum();
            var chosen = n - 1;
            var cumulative = 0.0;
            for (var i = 0; i < n; i++)
            {
                cumulative += nearest[i];
                if (cumulative > target)
                {
                    chosen = i;
                    break;
                }
            }

            centres.Add((double[])points[chosen].Clone());
            for (var i = 0; i < n; i++) nearest[i] = Math.Min(nearest[i], Distance(points[i], centres[^1]));
        }

        var assignment = new int[n];
        Array.Fill(assignment, -1);
        for (var iteration = 0; iteration < maxIterations; iteration++)
        {
            var changed = false;
            for (var i = 0; i < n; i++)
            {
                var best = 0;
                for (var c = 1; c < k; c++)
                    if (Distance(points[i], centres[c]) < Distance(points[i], centres[best])) best = c;
                if (best != assignment[i])
                {
                    assignment[i] = best;
                    changed = true;
                }
            }

            if (!changed) break;
            for (var c = 0; c < k; c++)
            {
                var members = Enumerable.Range(0, n).Where(i => assignment[i] == c).ToList();
                if (members.Count == 0) continue; // an empty cluster keeps its centre
                for (var f = 0; f < d; f++) centres[c][f] = members.Average(i => points[i][f]);
            }
        }

        return Enumerable.Range(0, n).Sum(i => Distance(points[i], centres[assignment[i]]));
    }

    private static double Distance(double[] a, double[] b)
    {
        var s = 0.0;
        for (var f = 0; f < a.Length; f++) s += (a[f] - b[f]) * (a[f] - b[f]);
        return s;
    }
}
