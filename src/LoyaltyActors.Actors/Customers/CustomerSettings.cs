using LoyaltyActors.Domain.Customers;
using LoyaltyActors.Domain.Scoring;
using NodaTime;

namespace LoyaltyActors.Actors.Customers;

/// <summary>What every customer actor needs: the rules, the scores, its lifecycle tunables and a clock.</summary>
/// <param name="SnapshotEvery">Save a snapshot after this many events since the last one.</param>
/// <param name="PassivateAfter">Stop a customer that received nothing for this long.</param>
public sealed record CustomerSettings(
    PointsPolicy Points,
    ScoringSettings Scoring,
    int SnapshotEvery,
    TimeSpan PassivateAfter,
    IClock Clock)
{
    public PopulationStats Population { get; init; } = PopulationStats.Neutral;
}
