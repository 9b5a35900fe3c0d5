using LoyaltyActors.Domain.Scoring;

namespace LoyaltyActors.Domain.Segments;

/// <summary>
/// Mean and (population, divide-by-n) standard deviation of each transformed feature <c>log1p(x)</c> over the
/// customers a <see cref="SegmentModel"/> currently holds. The model derives these from exact integer sums of the
/// fixed-point transformed values, so they depend only on the current set of customers — not on the order of
/// upserts and removals that produced it — and a removal restores them bit for bit.
/// </summary>
/// <param name="Count">Number of customers, ≥ 0. With none, every mean and standard deviation is 0.</param>
public sealed record PopulationMoments(
    long Count,
    FeatureMoments Recency,
    FeatureMoments Frequency,
    FeatureMoments Monetary,
    FeatureMoments Variety)
{
    /// <summary>The moments of an empty population.</summary>
    public static PopulationMoments Empty { get; } = new(0, default, default, default, default);

    /// <summary>The moments of feature <paramref name="feature"/>, in <see cref="SegmentModel.FeatureNames"/> order.</summary>
    public FeatureMoments this[int feature] => feature switch
    {
        0 => Recency,
        1 => Frequency,
        2 => Monetary,
        3 => Variety,
        _ => throw new ArgumentOutOfRangeException(nameof(feature), feature, "a feature index is 0..3"),
    };

    /// <summary>Variance (divide-by-n) of feature <paramref name="feature"/>.</summary>
    public double Variance(int feature) => this[feature].StdDev * this[feature].StdDev;
}
