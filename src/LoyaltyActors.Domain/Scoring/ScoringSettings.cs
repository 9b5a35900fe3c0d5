namespace LoyaltyActors.Domain.Scoring;

/// <summary>
/// Weights of the behaviour score <c>C(x) = Σ wᵢ·zᵢ</c>, where each zᵢ is log1p of a customer feature
/// standardised with the population's mean and standard deviation (<see cref="PopulationStats"/>).
/// Recency enters with a negative weight by default: a long time since the last purchase lowers C.
/// </summary>
public sealed record BehaviorWeights(
    double Frequency = 1.0,
    double Monetary = 1.0,
    double Variety = 0.5,
    double Recency = -0.5,
    double Views = 0.1,
    double Reviews = 0.2);

/// <summary>
/// Loyalty <c>L = σ(a·L1 + b·L2 + c·L3 + bias)</c> with L1 = orders / <see cref="FrequencyScale"/>,
/// L2 = net spend / <see cref="SpendScale"/>, L3 = distinct categories / <see cref="VarietyScale"/>,
/// so L depends only on the customer's own events.
/// </summary>
public sealed record LoyaltyWeights(
    double A = 1.0,
    double B = 1.0,
    double C = 0.5,
    double Bias = -2.0,
    double FrequencyScale = 5.0,
    double SpendScale = 500.0,
    double VarietyScale = 5.0);

/// <summary>Everything that turns a customer's state into scores.</summary>
/// <param name="DecayHalfLifeDays">Half-life, in days, of the decayed frequency and spend.</param>
/// <param name="PreferenceSteepness">r in <c>P = σ(r·(C − μ))</c>.</param>
public sealed record ScoringSettings(
    BehaviorWeights Behavior,
    LoyaltyWeights Loyalty,
    double DecayHalfLifeDays = 90,
    double PreferenceSteepness = 1.0)
{
    public static ScoringSettings Default { get; } = new(new BehaviorWeights(), new LoyaltyWeights());
}

/// <summary>Mean and standard deviation of one transformed feature over the population.</summary>
public readonly record struct FeatureMoments(double Mean, double StdDev)
{
    public static FeatureMoments Unit => new(0, 1);

    public double Standardise(double x) => StdDev > 1e-12 ? (x - Mean) / StdDev : x - Mean;
}

/// <summary>
/// Population statistics of the transformed features (log1p) and of the behaviour score, kept by the
/// segment aggregator. Until one has been computed, <see cref="Neutral"/> leaves features unscaled.
/// </summary>
public sealed record PopulationStats(
    FeatureMoments Frequency,
    FeatureMoments Monetary,
    FeatureMoments Variety,
    FeatureMoments Recency,
    FeatureMoments Views,
    FeatureMoments Reviews,
    double BehaviorMean)
{
    public static PopulationStats Neutral { get; } = new(
        FeatureMoments.Unit, FeatureMoments.Unit, FeatureMoments.Unit,
        FeatureMoments.Unit, FeatureMoments.Unit, FeatureMoments.Unit, 0);
}

public static class Sigmoid
{
    public static double Of(double x) => x >= 0 ? 1 / (1 + Math.Exp(-x)) : Math.Exp(x) / (1 + Math.Exp(x));
}
