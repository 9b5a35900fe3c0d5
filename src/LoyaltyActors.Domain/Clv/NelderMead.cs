namespace LoyaltyActors.Domain.Clv;

/// <summary>The point a minimisation ended at, its value and whether the simplex had collapsed (converged).</summary>
public sealed record Minimum(double[] Point, double Value, int Evaluations, bool Converged);

/// <summary>
/// Derivative-free minimisation by the Nelder–Mead simplex (reflection 1, expansion 2, contraction ½,
/// shrink ½), restarted from the best vertex until a restart no longer improves the value, which guards
/// against the simplex collapsing early on a curved valley.
/// </summary>
public static class NelderMead
{
    public static Minimum Minimise(
        Func<double[], double> f, double[] start, double step = 0.5, double tolerance = 1e-12,
        int maxEvaluations = 200_000, int maxRestarts = 20)
    {
        var best = Run(f, start, step, tolerance, maxEvaluations);
        var evaluations = best.Evaluations;
        for (var restart = 0; restart < maxRestarts && evaluations < maxEvaluations; restart++)
        {
            var next = Run(f, best.Point, step / 4, tolerance, maxEvaluations - evaluations);
            evaluations += next.Evaluations;
            var improved = best.Value - next.Value > tolerance * (1 + Math.Abs(best.Value));
            if (next.Value < best.Value) best = next;
            if (!improved) return best with { Evaluations = evaluations };
        }

        return best with { Evaluations = evaluations, Converged = false };
    }

    private static Minimum Run(Func<double[], double> f, double[] start, double step, double tolerance, int maxEvaluations)
    {
        var n = start.Length;
        var simplex = new double[n + 1][];
        var values = new double[n + 1];
        var evaluations = 0;
        double Eval(double[] x)
        {
            evaluations++;
            var v = f(x);
            return double.IsNaN(v) ? double.PositiveInfinity : v;
        }

        for (var i = 0; i <= n; i++)
        {
            simplex[i] = (double[])start.Clone();
            if (i > 0) simplex[i][i - 1] += step;
            values[i] = Eval(simplex[i]);
        }

        var order = new int[n + 1];
        while (true)
        {
            for (var i = 0; i <= n; i++) order[i] = i;
            Array.Sort(order, (x, y) => values[x].CompareTo(values[y]));
            int bestI = order[0], worstI = order[n], secondI = order[n - 1];

            var spread = Math.Abs(values[worstI] - values[bestI]);
            var size = 0.0;
            for (var i = 0; i <= n; i++)
                for (var d = 0; d < n; d++)
                    size = Math.Max(size, Math.Abs(simplex[i][d] - simplex[bestI][d]));
            if ((spread <= tolerance * (1 + Math.Abs(values[bestI])) && size <= 1e-9) || evaluations >= maxEvaluations)
                return new Minimum((double[])simplex[bestI].Clone(), values[bestI], evaluations, evaluations < maxEvaluations);

            var centroid = new double[n];
            for (var i = 0; i <= n; i++)
            {
                if (i == worstI) continue;
                for (var d = 0; d < n; d++) centroid[d] += simplex[i][d] / n;
            }

            double[] Along(double t)
            {
                var p = new double[n];
                for (var d = 0; d < n; d++) p[d] = centroid[d] + t * (simplex[worstI][d] - centroid[d]);
                return p;
            }

            var reflected = Along(-1);
            var fr = Eval(reflected);
            if (fr < values[bestI])
            {
                var expanded = Along(-2);
                var fe = Eval(expanded);
                if (fe < fr) Replace(worstI, expanded, fe);
                else Replace(worstI, reflected, fr);
                continue;
            }

            if (fr < values[secondI])
            {
                Replace(worstI, reflected, fr);
                continue;
            }

            var contracted = fr < values[worstI] ? Along(-0.5) : Along(0.5);
            var fc = Eval(contracted);
            if (fc < Math.Min(fr, values[worstI]))
            {
                Replace(worstI, contracted, fc);
                continue;
            }

            for (var i = 0; i <= n; i++)
            {
                if (i == bestI) continue;
                for (var d = 0; d < n; d++) simplex[i][d] = simplex[bestI][d] + 0.5 * (simplex[i][d] - simplex[bestI][d]);
                values[i] = Eval(simplex[i]);
            }
        }

        void Replace(int i, double[] point, double value)
        {
            simplex[i] = point;
            values[i] = value;
        }
    }
}
