namespace LoyaltyActors.Domain.Clv;

/// <summary>A logistic-regression fit: one weight per feature column, the intercept, and how the fit went.</summary>
/// <param name="Weights">One per column; 0 for a column left out because it is constant (<see cref="ConstantColumns"/>).</param>
/// <param name="LogLikelihood">Σ y·ln σ(z) + (1−y)·ln(1−σ(z)) at the fitted weights.</param>
public sealed record LogisticFit(double[] Weights, double Intercept, double LogLikelihood, int Iterations, bool Converged, int[] ConstantColumns);

/// <summary>Logistic regression by iteratively reweighted least squares (Newton's method on the log-likelihood).</summary>
public static class LogisticRegression
{
    /// <summary>
    /// Maximises the likelihood of P(y = 1 | x) = σ(w·x + intercept). A column that is constant over the rows cannot be
    /// told apart from the intercept: it is left out (weight 0) and reported. <paramref name="ridge"/> adds λ‖w‖²/2 to
    /// the objective (not on the intercept) so that separable data still gives finite weights.
    /// </summary>
    public static LogisticFit Fit(IReadOnlyList<double[]> x, IReadOnlyList<bool> y, double ridge = 1e-6, int maxIterations = 100)
    {
        if (x.Count == 0 || x.Count != y.Count) throw new ArgumentException("logistic regression needs as many labels as rows, and at least one row");
        var columns = x[0].Length;
        var constant = Enumerable.Range(0, columns).Where(j => x.All(row => row[j] == x[0][j])).ToArray();
        var used = Enumerable.Range(0, columns).Except(constant).ToArray();
        var k = used.Length + 1; // + intercept (last)
        var beta = new double[k];
        var converged = false;
        var iterations = 0;
        for (; iterations < maxIterations && !converged; iterations++)
        {
            var gradient = new double[k];
            var hessian = new double[k, k];
            for (var i = 0; i < x.Count; i++)
            {
                var row = Row(x[i], used);
                var mu = Scoring.Sigmoid.Of(Dot(beta, row));
                var residual = (y[i] ? 1 : 0) - mu;
                var weight = mu * (1 - mu);
                for (var a = 0; a < k; a++)
                {
                    gradient[a] += residual * row[a];
                    for (var b = 0; b <= a; b++) hessian[a, b] += weight * row[a] * row[b];
                }
            }

            for (var a = 0; a < k; a++)
            {
                for (var b = 0; b < a; b++) hessian[b, a] = hessian[a, b];
                if (a < k - 1)
                {
                    gradient[a] -= ridge * beta[a];
                    hessian[a, a] += ridge;
                }
            }

            var step = Solve(hessian, gradient);
            var size = 0.0;
            for (var a = 0; a < k; a++)
            {
                beta[a] += step[a];
                size = Math.Max(size, Math.Abs(step[a]));
            }

            converged = size < 1e-10;
        }

        var weights = new double[columns];
        for (var j = 0; j < used.Length; j++) weights[used[j]] = beta[j];
        var intercept = beta[k - 1];
        var ll = 0.0;
        for (var i = 0; i < x.Count; i++)
        {
            var z = Dot(weights, x[i]) + intercept;
            // ln σ(z) = −ln(1 + e^(−z)), computed stably
            ll += y[i] ? -Softplus(-z) : -Softplus(z);
        }

        return new LogisticFit(weights, intercept, ll, iterations, converged, constant);
    }

    private static double Softplus(double z) => z > 0 ? z + Math.Log(1 + Math.Exp(-z)) : Math.Log(1 + Math.Exp(z));

    private static double[] Row(double[] x, int[] used)
    {
        var row = new double[used.Length + 1];
        for (var j = 0; j < used.Length; j++) row[j] = x[used[j]];
        row[^1] = 1;
        return row;
    }

    private static double Dot(double[] a, double[] b)
    {
        var s = 0.0;
        for (var i = 0; i < a.Length; i++) s += a[i] * b[i];
        return s;
    }

    /// <summary>Solves A·s = g by Gaussian elimination with partial pivoting (A is small and symmetric positive definite).</summary>
    private static double[] Solve(double[,] a, double[] g)
    {
        var n = g.Length;
        var m = (double[,])a.Clone();
        var v = (double[])g.Clone();
        for (var col = 0; col < n; col++)
        {
            var pivot = col;
            for (var r = col + 1; r < n; r++) if (Math.Abs(m[r, col]) > Math.Abs(m[pivot, col])) pivot = r;
            if (Math.Abs(m[pivot, col]) < 1e-300) throw new ArithmeticException("the logistic regression's Hessian is singular");
            if (pivot != col)
            {
                for (var c = 0; c < n; c++) (m[col, c], m[pivot, c]) = (m[pivot, c], m[col, c]);
                (v[col], v[pivot]) = (v[pivot], v[col]);
            }

            for (var r = col + 1; r < n; r++)
            {
                var f = m[r, col] / m[col, col];
                for (var c = col; c < n; c++) m[r, c] -= f * m[col, c];
                v[r] -= f * v[col];
            }
        }

        var s = new double[n];
        for (var r = n - 1; r >= 0; r--)
        {
            var sum = v[r];
            for (var c = r + 1; c < n; c++) sum -= m[r, c] * s[c];
            s[r] = sum / m[r, r];
        }

        return s;
    }
}

/// <summary>Area under the ROC curve.</summary>
public static class Auc
{
    /// <summary>
    /// P(score of a random positive &gt; score of a random negative), ties counting ½: the Mann–Whitney U statistic
    /// from mid-ranks, in O(n log n). NaN when either class is empty.
    /// </summary>
    public static double Of(IReadOnlyList<double> scores, IReadOnlyList<bool> positive)
    {
        var order = Enumerable.Range(0, scores.Count).OrderBy(i => scores[i]).ToArray();
        double rankSumPositive = 0;
        long positives = 0;
        var i0 = 0;
        while (i0 < order.Length)
        {
            var i1 = i0;
            while (i1 + 1 < order.Length && scores[order[i1 + 1]] == scores[order[i0]]) i1++;
            var midRank = (i0 + i1) / 2.0 + 1;
            for (var i = i0; i <= i1; i++)
            {
                if (!positive[order[i]]) continue;
                rankSumPositive += midRank;
                positives++;
            }

            i0 = i1 + 1;
        }

        long negatives = scores.Count - positives;
        if (positives == 0 || negatives == 0) return double.NaN;
        return (rankSumPositive - positives * (positives + 1) / 2.0) / (positives * (double)negatives);
    }
}
