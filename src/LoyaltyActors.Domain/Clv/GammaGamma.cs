namespace LoyaltyActors.Domain.Clv;

/// <summary>
/// Gamma-Gamma spend parameters (Fader, Hardie &amp; Lee 2005, "RFM and CLV: Using Iso-Value Curves"): a
/// transaction's value ~ Gamma(<paramref name="P"/>, ν) around the customer's mean, ν ~ Gamma(<paramref name="Q"/>,
/// <paramref name="V"/>) across customers. Money in the deployment currency; all three &gt; 0 (q &gt; 1 for a finite mean).
/// </summary>
public sealed record GammaGammaParameters(double P, double Q, double V);

/// <summary>A Gamma-Gamma fit on the repeat customers.</summary>
public sealed record GammaGammaFit(GammaGammaParameters Parameters, double LogLikelihood, int Repeaters, bool Converged);

/// <summary>Gamma-Gamma likelihood, fit and conditional expected spend per transaction.</summary>
public static class GammaGamma
{
    /// <summary>
    /// The log-likelihood of a customer's mean repeat spend <paramref name="m"/> over <paramref name="x"/> &gt; 0
    /// repeat transactions: ln Γ(px+q) − ln Γ(px) − ln Γ(q) + q ln v + (px−1) ln m + px ln x − (px+q) ln(xm+v).
    /// </summary>
    public static double LogLikelihood(GammaGammaParameters g, int x, double m)
    {
        if (x <= 0) throw new ArgumentOutOfRangeException(nameof(x), x, "Gamma-Gamma is fitted on repeat customers only (frequency > 0)");
        var px = g.P * x;
        return SpecialFunctions.LogGamma(px + g.Q) - SpecialFunctions.LogGamma(px) - SpecialFunctions.LogGamma(g.Q)
               + g.Q * Math.Log(g.V) + (px - 1) * Math.Log(m) + px * Math.Log(x) - (px + g.Q) * Math.Log(x * m + g.V);
    }

    /// <summary>
    /// Maximum-likelihood fit on the customers with <c>frequency &gt; 0</c> and a positive mean spend (others are
    /// left out, as lifetimes requires), by Nelder–Mead on the log-parameters from p = q = v = 1.
    /// </summary>
    public static GammaGammaFit Fit(IEnumerable<(int Frequency, double MonetaryValue)> customers)
    {
        var repeaters = customers.Where(c => c.Frequency > 0 && c.MonetaryValue > 0).ToArray();
        if (repeaters.Length == 0) throw new ArgumentException("Gamma-Gamma needs at least one customer with frequency > 0 and a positive monetary_value", nameof(customers));
        double Objective(double[] theta)
        {
            var g = FromLog(theta);
            var sum = 0.0;
            foreach (var (x, m) in repeaters) sum += LogLikelihood(g, x, m);
            return -sum / repeaters.Length;
        }

        var min = NelderMead.Minimise(Objective, [0, 0, 0]);
        var fitted = FromLog(min.Point);
        return new GammaGammaFit(fitted, -min.Value * repeaters.Length, repeaters.Length, min.Converged);
    }

    /// <summary>
    /// E[spend per transaction | x, m] = p(v + x·m) / (p·x + q − 1): the population mean pv/(q−1) shrunk towards the
    /// customer's own mean as x grows; the population mean when <paramref name="x"/> is 0. Null when q ≤ 1 (no finite mean).
    /// </summary>
    public static double? ExpectedAverageValue(GammaGammaParameters g, int x, double m)
    {
        if (g.Q <= 1) return null;
        return g.P * (g.V + x * m) / (g.P * x + g.Q - 1);
    }

    private static GammaGammaParameters FromLog(double[] theta) => new(Math.Exp(theta[0]), Math.Exp(theta[1]), Math.Exp(theta[2]));
}
