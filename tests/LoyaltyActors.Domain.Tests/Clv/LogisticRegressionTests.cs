using LoyaltyActors.Domain.Clv;
using Xunit;

namespace LoyaltyActors.Domain.Tests.Clv;

public sealed class LogisticRegressionTests
{
    private static double Sigma(double z) => 1 / (1 + Math.Exp(-z));

    [Fact]
    public void Recovers_the_weights_that_generated_the_labels()
    {
        var rng = new Random(42);
        var x = new List<double[]>();
        var y = new List<bool>();
        for (var i = 0; i < 40_000; i++)
        {
            double[] row = [rng.NextDouble() * 3, rng.NextDouble() * 2 - 1, rng.NextDouble()];
            x.Add(row);
            y.Add(rng.NextDouble() < Sigma(1.5 * row[0] - 2 * row[1] + 0.5 * row[2] - 2));
        }

        var fit = LogisticRegression.Fit(x, y);

        Assert.True(fit.Converged);
        Assert.Equal(1.5, fit.Weights[0], 0.1);
        Assert.Equal(-2.0, fit.Weights[1], 0.1);
        Assert.Equal(0.5, fit.Weights[2], 0.2);
        Assert.Equal(-2.0, fit.Intercept, 0.15);

        // At the maximum the likelihood's slope is zero: nudging any weight lowers it.
        double Ll(double[] w, double b) => x.Select((r, i) => Math.Log(y[i] ? Sigma(w[0] * r[0] + w[1] * r[1] + w[2] * r[2] + b) : 1 - Sigma(w[0] * r[0] + w[1] * r[1] + w[2] * r[2] + b))).Sum();
        var best = Ll(fit.Weights, fit.Intercept);
        Assert.Equal(best, fit.LogLikelihood, 1e-6);
        for (var j = 0; j < 3; j++)
            foreach (var d in new[] { -0.01, 0.01 })
            {
                var w = (double[])fit.Weights.Clone();
                w[j] += d;
                Assert.True(Ll(w, fit.Intercept) < best);
            }
    }

    [Fact]
    public void A_constant_column_is_left_out_and_reported()
    {
        var x = Enumerable.Range(0, 200).Select(i => new[] { i / 50.0, 0.2 }).ToList();
        var y = Enumerable.Range(0, 200).Select(i => i % 3 == 0 || i > 120).ToList();
        var fit = LogisticRegression.Fit(x, y);
        Assert.Equal([1], fit.ConstantColumns);
        Assert.Equal(0, fit.Weights[1]);
        Assert.True(fit.Weights[0] > 0);
    }

    [Fact]
    public void Auc_equals_the_pairwise_definition_with_ties_counting_half()
    {
        var rng = new Random(7);
        var scores = Enumerable.Range(0, 300).Select(_ => (double)rng.Next(0, 20)).ToList(); // many ties
        var labels = scores.Select(s => rng.NextDouble() < s / 25).ToList();
        double wins = 0, pairs = 0;
        for (var i = 0; i < scores.Count; i++)
            for (var j = 0; j < scores.Count; j++)
            {
                if (!labels[i] || labels[j]) continue;
                pairs++;
                wins += scores[i] > scores[j] ? 1 : scores[i] == scores[j] ? 0.5 : 0;
            }

        Assert.Equal(wins / pairs, Auc.Of(scores, labels), 1e-12);
    }
}
