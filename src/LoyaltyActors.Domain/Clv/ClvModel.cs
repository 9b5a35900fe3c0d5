using System.Globalization;
using LoyaltyActors.Domain.Customers;
using NodaTime;
using NodaTime.Text;

namespace LoyaltyActors.Domain.Clv;

/// <summary>What the CLV model predicts for one customer over a horizon.</summary>
/// <param name="PAlive">P(alive) now, in [0, 1].</param>
/// <param name="ExpectedPurchases">Expected repeat purchases (periods with a purchase) within the horizon.</param>
/// <param name="ExpectedValue">Expected purchases × Gamma-Gamma expected spend per purchase (undiscounted, deployment currency); null without a spend model.</param>
public readonly record struct ClvEstimate(double PAlive, double ExpectedPurchases, double? ExpectedValue);

/// <summary>
/// A fitted churn/CLV model: BG/NBD for purchases and survival, Gamma-Gamma for spend, with the summary
/// settings they were fitted under. Time is in units of <see cref="UnitDays"/> days (freq × freq_multiplier).
/// </summary>
public sealed record ClvModel(
    int Version,
    BgNbdFit BgNbd,
    GammaGammaFit? GammaGamma,
    LocalDate AsOf,
    SummaryFrequency Frequency,
    double FrequencyMultiplier,
    Instant FittedAt)
{
    /// <summary>Days in one model time unit.</summary>
    public double UnitDays => (Frequency == SummaryFrequency.Week ? 7.0 : 1.0) * FrequencyMultiplier;

    /// <summary>
    /// Fits BG/NBD on every summary and Gamma-Gamma on the repeaters (frequency &gt; 0). Gamma-Gamma is left
    /// out (null) when no customer repeated.
    /// </summary>
    public static ClvModel Fit(
        int version, IReadOnlyList<LifetimesSummary> summaries, LocalDate asOf, SummaryFrequency frequency,
        double frequencyMultiplier, Instant fittedAt)
    {
        var bgnbd = Clv.BgNbd.Fit(summaries);
        var spend = summaries.Select(s => (s.Frequency, (double)s.MonetaryValue)).ToList();
        var gammaGamma = spend.Any(s => s.Frequency > 0 && s.Item2 > 0) ? Clv.GammaGamma.Fit(spend) : null;
        return new ClvModel(version, bgnbd, gammaGamma, asOf, frequency, frequencyMultiplier, fittedAt);
    }

    /// <summary>
    /// The estimate for a customer whose purchases give <paramref name="purchaseDays"/> (epoch day → spend) at
    /// <paramref name="now"/>, over <paramref name="horizonPeriods"/> model time units; null without a purchase by then.
    /// </summary>
    public ClvEstimate? Estimate(IEnumerable<KeyValuePair<int, DaySpend>> purchaseDays, Instant now, double horizonPeriods) =>
        LifetimesSummaries.Compute(purchaseDays, now.InUtc().Date, Frequency, FrequencyMultiplier) is { } s
            ? Estimate(s, horizonPeriods)
            : null;

    /// <summary>
    /// The estimate for a customer with lifetimes summary <paramref name="s"/> (in this model's units); null when the
    /// model cannot give a finite figure (e.g. a ≤ 1 or a horizon so long that the ₂F₁ series does not converge).
    /// </summary>
    public ClvEstimate? Estimate(LifetimesSummary s, double horizonPeriods)
    {
        var p = BgNbd.Parameters;
        try
        {
            var purchases = Clv.BgNbd.ExpectedPurchases(p, horizonPeriods, s.Frequency, s.Recency, s.T);
            var alive = Clv.BgNbd.ProbabilityAlive(p, s.Frequency, s.Recency, s.T);
            var perPurchase = GammaGamma is { } g ? Clv.GammaGamma.ExpectedAverageValue(g.Parameters, s.Frequency, (double)s.MonetaryValue) : null;
            var value = purchases * perPurchase;
            if (!double.IsFinite(purchases) || !double.IsFinite(alive)) return null;
            return new ClvEstimate(alive, purchases, value is { } v && double.IsFinite(v) ? v : null);
        }
        catch (Exception ex) when (ex is ArithmeticException or ArgumentOutOfRangeException)
        {
            return null;
        }
    }

    /// <summary>The flat form kept in the model store (plain JSON types only).</summary>
    public StoredClvModel ToStored() => new(
        Version, LocalDatePattern.Iso.Format(AsOf), Frequency == SummaryFrequency.Week ? "W" : "D", FrequencyMultiplier,
        InstantPattern.ExtendedIso.Format(FittedAt), BgNbd.Customers,
        BgNbd.Parameters.R, BgNbd.Parameters.Alpha, BgNbd.Parameters.A, BgNbd.Parameters.B, BgNbd.LogLikelihood, BgNbd.Converged,
        GammaGamma?.Repeaters ?? 0, GammaGamma?.Parameters.P, GammaGamma?.Parameters.Q, GammaGamma?.Parameters.V,
        GammaGamma?.LogLikelihood, GammaGamma?.Converged ?? false);
}

/// <summary>A <see cref="ClvModel"/> as stored: one version of the "clv" model.</summary>
public sealed record StoredClvModel(
    int Version, string AsOf, string Freq, double FreqMultiplier, string FittedAt, int Customers,
    double R, double Alpha, double A, double B, double LogLikelihood, bool BgNbdConverged,
    int Repeaters, double? P, double? Q, double? V, double? GammaGammaLogLikelihood, bool GammaGammaConverged)
{
    public ClvModel ToModel() => new(
        Version,
        new BgNbdFit(new BgNbdParameters(R, Alpha, A, B), LogLikelihood, Customers, BgNbdConverged),
        P is { } p && Q is { } q && V is { } v
            ? new GammaGammaFit(new GammaGammaParameters(p, q, v), GammaGammaLogLikelihood ?? double.NaN, Repeaters, GammaGammaConverged)
            : null,
        LocalDatePattern.Iso.Parse(AsOf).Value,
        LifetimesSummaries.ParseFrequency(Freq),
        FreqMultiplier,
        InstantPattern.ExtendedIso.Parse(FittedAt).Value);

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"clv v{Version} as of {AsOf} ({Freq}×{FreqMultiplier})");
}

/// <summary>Every fitted version of the CLV model, oldest first; the last one is the one profiles use.</summary>
public sealed record ClvModelHistory(IReadOnlyList<StoredClvModel> Versions)
{
    /// <summary>The name the history is kept under in the model store.</summary>
    public const string StoreName = "clv";

    public static ClvModelHistory Empty { get; } = new([]);

    public StoredClvModel? Latest => Versions.Count == 0 ? null : Versions[^1];

    public int NextVersion => Versions.Count == 0 ? 1 : Versions[^1].Version + 1;

    public ClvModelHistory Add(StoredClvModel model) => new([.. Versions, model]);
}

/// <summary>The CLV model profiles are scored with and the horizon of their predictions, in model time units.</summary>
public sealed record ClvScoring(ClvModel Model, double HorizonPeriods);
