namespace LoyaltyActors.Domain.Segments;

/// <summary>One segment of a seeded <see cref="SegmentModel"/>.</summary>
/// <param name="Id">0..K−1; stable for the model's lifetime (sweeps and snapshots keep it).</param>
/// <param name="Label">Human name derived from the centroids, see <see cref="SegmentLabels"/>.</param>
/// <param name="Size">Number of customers in the segment, ≥ 0.</param>
/// <param name="Centroid">
/// The centroid in raw units, keyed by <see cref="SegmentModel.FeatureNames"/>: the inverse transform <c>expm1</c> of the
/// mean transformed vector of the members (so a geometric-style mean of <c>1 + x</c>, minus 1). An empty segment
/// reports the position of its last member.
/// </param>
/// <param name="StandardisedCentroid">The same centroid standardised with the current population moments.</param>
public sealed record SegmentInfo(
    int Id,
    string Label,
    long Size,
    IReadOnlyDictionary<string, double> Centroid,
    IReadOnlyDictionary<string, double> StandardisedCentroid);
