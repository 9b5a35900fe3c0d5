namespace LoyaltyActors.Domain.Tests.Segments;

/// <summary>
/// Textbook batch k-means, written independently of the model as the quality yardstick: k-means++ seeding with
/// <see cref="Random"/>, then Lloyd iterations (assign all, recompute means) until no point moves.
/// </summary>
internal static class BatchKMeans
{
    public sealed record Result(double Inertia, int Iterations, int[] Assignment);

    public static Result Run(IReadOnlyList<double[]> points, int k, int seed, int maxIterations = 300)
    {
        var n = points.Count;
        var dims = points[0].Length;
        var rng = new Random(seed);
        var centres = new List<double[]> { (double[])points[rng.Next(n)].Clone() };
        var d2 = points.Select(p => Sq(p, centres[0])).ToArray();
        while (centres.Count < k)
        {
            var total = d2.Sum();
            var target = rng.NextDouble() * total;
            var pick = n - 1;
            var acc = 0.0;
            for (var i = 0; i < n; i++)
            {
                acc += d2[i];
                if (acc > target)
                {
                    pick = i;
                    break;
                }
            }

            centres.Add((double[])points[pick].Clone());
            for (var i = 0; i < n; i++) d2[i] = Math.Min(d2[i], Sq(points[i], centres[^1]));
        }

        var assignment = new int[n];
        Array.Fill(assignment, -1);
        var iterations = 0;
        while (iterations < maxIterations)
        {
            iterations++;
            var changed = false;
            for (var i = 0; i < n; i++)
            {
                var best = 0;
                for (var c = 1; c < k; c++)
                    if (Sq(points[i], centres[c]) < Sq(points[i], centres[best])) best = c;
                if (best != assignment[i])
                {
                    assignment[i] = best;
                    changed = true;
                }
            }

            if (!changed) break;
            var sums = new double[k, dims];
            var counts = new int[k];
            for (var i = 0; i < n; i++)
            {
                counts[assignment[i]]++;
                for (var d = 0; d < dims; d++) sums[assignment[i], d] += points[i][d];
            }

            for (var c = 0; c < k; c++)
            {
                if (counts[c] == 0) continue; // an empty cluster keeps its centre
                for (var d = 0; d < dims; d++) centres[c][d] = sums[c, d] / counts[c];
            }
        }

        var inertia = 0.0;
        for (var i = 0; i < n; i++) inertia += Sq(points[i], centres[assignment[i]]);
        return new Result(inertia, iterations, assignment);
    }

    public static double Sq(double[] a, double[] b)
    {
        var s = 0.0;
        for (var d = 0; d < a.Length; d++) s += (a[d] - b[d]) * (a[d] - b[d]);
        return s;
    }
}
