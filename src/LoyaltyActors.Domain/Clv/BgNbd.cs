using LoyaltyActors.Domain.Customers;

namespace LoyaltyActors.Domain.Clv;

/// <summary>
/// BG/NBD parameters (Fader, Hardie &amp; Lee 2005, "Counting Your Customers the Easy Way"): while alive a
/// customer buys at a Poisson rate λ ~ Gamma(<paramref name="R"/>, <paramref name="Alpha"/>) per time unit, and
/// after each purchase drops out with probability p ~ Beta(<paramref name="A"/>, <paramref name="B"/>). The time
/// unit is the one of the summaries it was fitted on (freq × freq_multiplier). All four are &gt; 0.
/// </summary>
public sealed record BgNbdParameters(double R, double Alpha, double A, double B);

/// <summary>A BG/NBD fit: the maximum-likelihood parameters and the log-likelihood they reach.</summary>
public sealed record BgNbdFit(BgNbdParameters Parameters, double LogLikelihood, int Customers, bool Converged);

/// <summary>BG/NBD likelihood, maximum-likelihood fit and the per-customer quantities it predicts.</summary>
public static class BgNbd
{
    /// <summary>
    /// The log-likelihood of one customer with <paramref name="x"/> repeat purchases, the last at
    /// <paramref name="tx"/>, observed for <paramref name="t"/> time units (equation 6 of the paper in log space:
    /// ln[B(a, b+x)/B(a, b) · Γ(r+x)αʳ/Γ(r) · ((α+T)^−(r+x) + 1{x&gt;0}·a/(b+x−1)·(α+tₓ)^−(r+x))]).
    /// </summary>
    public static double LogLikelihood(BgNbdParameters p, int x, double tx, double t)
    {
        var (r, alpha, a, b) = (p.R, p.Alpha, p.A, p.B);
        var a1 = SpecialFunctions.LogGamma(r + x) - SpecialFunctions.LogGamma(r) + r * Math.Log(alpha);
        var a2 = SpecialFunctions.LogGamma(a + b) + SpecialFunctions.LogGamma(b + x)
                 - SpecialFunctions.LogGamma(b) - SpecialFunctions.LogGamma(a + b + x);
        var a3 = -(r + x) * Math.Log(alpha + t);
        var a4 = x > 0 ? Math.Log(a) - Math.Log(b + x - 1) - (r + x) * Math.Log(alpha + tx) : double.NegativeInfinity;
        return a1 + a2 + SpecialFunctions.LogAddExp(a3, a4);
    }

    /// <summary>Σ of <see cref="LogLikelihood(BgNbdParameters,int,double,double)"/> over the summaries.</summary>
    public static double LogLikelihood(BgNbdParameters p, IReadOnlyList<LifetimesSummary> customers)
    {
        var sum = 0.0;
        foreach (var c in customers) sum += LogLikelihood(p, c.Frequency, c.Recency, c.T);
        return sum;
    }

    /// <summary>
    /// Maximum-likelihood fit by Nelder–Mead on the log-parameters (so every parameter stays positive),
    /// started at r = α = a = b = 1, minimising the mean negative log-likelihood.
    /// </summary>
    public static BgNbdFit Fit(IReadOnlyList<LifetimesSummary> customers)
    {
        if (customers.Count == 0) throw new ArgumentException("BG/NBD needs at least one customer summary", nameof(customers));
        // Customers with the same (x, tₓ, T) contribute identical terms: sum each distinct triple once.
        var groups = customers
            .GroupBy(c => (c.Frequency, c.Recency, c.T))
            .Select(g => (g.Key.Frequency, g.Key.Recency, g.Key.T, Count: g.Count()))
            .ToArray();
        double Objective(double[] theta)
        {
            var p = FromLog(theta);
            var sum = 0.0;
            foreach (var (x, tx, t, count) in groups) sum += count * LogLikelihood(p, x, tx, t);
            return -sum / customers.Count;
        }

        var min = NelderMead.Minimise(Objective, [0, 0, 0, 0]);
        var fitted = FromLog(min.Point);
        return new BgNbdFit(fitted, LogLikelihood(fitted, customers), customers.Count, min.Converged);
    }

    /// <summary>
    /// P(alive | x, tₓ, T) = 1 / (1 + 1{x&gt;0}·a/(b+x−1)·((α+T)/(α+tₓ))^(r+x)), in [0, 1].
    /// </summary>
    public static double ProbabilityAlive(BgNbdParameters p, int x, double tx, double t)
    {
        if (x == 0) return 1.0;
        var logRatio = Math.Log(p.A) - Math.Log(p.B + x - 1) + (p.R + x) * (Math.Log(p.Alpha + t) - Math.Log(p.Alpha + tx));
        return 1 / (1 + Math.Exp(logRatio));
    }

    /// <summary>
    /// E[X(T, T+<paramref name="horizon"/>) | x, tₓ, T]: the expected number of repeat purchases in the next
    /// <paramref name="horizon"/> time units (equation 10 of the paper), with ₂F₁(r+x, b+x; a+b+x−1; h/(α+T+h)).
    /// </summary>
    public static double ExpectedPurchases(BgNbdParameters p, double horizon, int x, double tx, double t)
    {
        if (horizon < 0 || !double.IsFinite(horizon)) throw new ArgumentOutOfRangeException(nameof(horizon), horizon, "the horizon must be ≥ 0");
        if (horizon == 0) return 0;
        var (r, alpha, a, b) = (p.R, p.Alpha, p.A, p.B);
        var c = a + b + x - 1;
        var z = horizon / (alpha + t + horizon);
        var hyp = SpecialFunctions.Hypergeometric2F1(r + x, b + x, c, z);
        var numerator = (a + b + x - 1) / (a - 1)
                        * (1 - Math.Exp((r + x) * Math.Log((alpha + t) / (alpha + t + horizon))) * hyp);
        var denominator = x > 0
            ? 1 + Math.Exp(Math.Log(a) - Math.Log(b + x - 1) + (r + x) * (Math.Log(alpha + t) - Math.Log(alpha + tx)))
            : 1;
        return numerator / denominator;
    }

    private static BgNbdParameters FromLog(double[] theta) =>
        new(Math.Exp(theta[0]), Math.Exp(theta[1]), Math.Exp(theta[2]), Math.Exp(theta[3]));
}
