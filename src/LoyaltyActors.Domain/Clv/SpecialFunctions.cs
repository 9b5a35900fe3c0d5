namespace LoyaltyActors.Domain.Clv;

/// <summary>The special functions BG/NBD and Gamma-Gamma need: log Γ and the Gaussian hypergeometric ₂F₁.</summary>
public static class SpecialFunctions
{
    // Lanczos approximation, g = 7, n = 9 (relative error below 1e-15 for x > 0).
    private static readonly double[] Lanczos =
    [
        0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313,
        -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6,
        1.5056327351493116e-7,
    ];

    /// <summary>ln Γ(<paramref name="x"/>) for x &gt; 0.</summary>
    public static double LogGamma(double x)
    {
        if (!(x > 0)) throw new ArgumentOutOfRangeException(nameof(x), x, "log-gamma is defined here for x > 0 only");
        if (x < 0.5) return Math.Log(Math.PI / Math.Sin(Math.PI * x)) - LogGamma(1 - x); // reflection
        x -= 1;
        var sum = Lanczos[0];
        var t = x + 7.5;
        for (var i = 1; i < Lanczos.Length; i++) sum += Lanczos[i] / (x + i);
        return 0.5 * Math.Log(2 * Math.PI) + (x + 0.5) * Math.Log(t) - t + Math.Log(sum);
    }

    /// <summary>
    /// ₂F₁(a, b; c; z) for 0 ≤ z &lt; 1 by its power series, each term obtained from the previous one by the
    /// ratio (a+j)(b+j) / ((c+j)(j+1)) · z, as in the appendix of Fader, Hardie &amp; Lee (2005), summed until a
    /// term no longer changes the sum in double precision.
    /// </summary>
    public static double Hypergeometric2F1(double a, double b, double c, double z)
    {
        if (!(z >= 0 && z < 1)) throw new ArgumentOutOfRangeException(nameof(z), z, "the series is used for 0 ≤ z < 1 only");
        var term = 1.0;
        var sum = 1.0;
        for (var j = 0; j < 1_000_000; j++)
        {
            term *= (a + j) * (b + j) / ((c + j) * (j + 1)) * z;
            sum += term;
            if (Math.Abs(term) <= 1e-16 * Math.Abs(sum)) return sum;
        }

        throw new ArithmeticException($"2F1({a}, {b}; {c}; {z}) did not converge");
    }

    /// <summary>ln(eˣ + eʸ) without overflow.</summary>
    public static double LogAddExp(double x, double y)
    {
        if (double.IsNegativeInfinity(x)) return y;
        if (double.IsNegativeInfinity(y)) return x;
        var max = Math.Max(x, y);
        return max + Math.Log(Math.Exp(x - max) + Math.Exp(y - max));
    }
}
