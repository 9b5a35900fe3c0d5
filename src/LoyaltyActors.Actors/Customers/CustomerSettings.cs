using LoyaltyActors.Domain.Customers;
using LoyaltyActors.Domain.Scoring;
using NodaTime;

namespace LoyaltyActors.Actors.Customers;

/// <summary>What every customer actor needs: the rules, the scores, its lifecycle tunables and a clock.</summary>
/// <param name="SnapshotEvery">Save a snapshot after this many events since the last one.</param>
/// <param name="PassivateAfter">Stop a customer that was sent nothing for this long (by its region or shard).</param>
public sealed record CustomerSettings(
    PointsPolicy Points,
    ScoringSettings Scoring,
    int SnapshotEvery,
    TimeSpan PassivateAfter,
    IClock Clock)
{
    /// <summary>The loyalty program customers are decided under (points only from <see cref="Points"/> unless set).</summary>
    public LoyaltyProgram Program { get; init; } = LoyaltyProgram.PointsOnly(Points);

    /// <summary>Where the segment aggregator publishes the population statistics profiles standardise with.</summary>
    public PopulationBoard Population { get; init; } = new();
}

/// <summary>
/// The latest population statistics, published by the segment aggregator after each sweep and read by
/// every customer when it builds a profile. Until the first publication, <see cref="PopulationStats.Neutral"/>.
/// </summary>
public sealed class PopulationBoard
{
    private volatile PopulationStats _current = PopulationStats.Neutral;

    public PopulationStats Current => _current;

    public void Publish(PopulationStats stats) => _current = stats;
}
