namespace LoyaltyActors.Domain.Segments;

/// <summary>
/// How segments are named. Segments are ranked by the value score of their standardised centroid,
/// <c>v = −z(recency) + z(frequency) + z(monetary)</c> (higher is better; ties go to the lower id), and named by
/// rank from best to worst:
/// <list type="bullet">
/// <item>k = 5: champions, loyal, potential, at risk, hibernating;</item>
/// <item>k &lt; 5: names spread evenly over that ladder, keeping both ends (k = 4: champions, loyal, at risk,
/// hibernating; k = 3: champions, potential, hibernating; k = 2: champions, hibernating; k = 1: all customers);</item>
/// <item>k &gt; 5: the best four are champions, loyal, potential, at risk; the worst is hibernating; those ranked
/// between are numbered by rank (<c>segment-5</c> … <c>segment-(k−1)</c>).</item>
/// </list>
/// The label is a pure function of the centroids and the population moments, so a restart or a snapshot
/// round-trip gives the same labels. A sweep may move centroids enough to swap two neighbouring ranks; the ids stay.
/// </summary>
public static class SegmentLabels
{
    /// <summary>The five names, best to worst.</summary>
    public static IReadOnlyList<string> Ladder { get; } = ["champions", "loyal", "potential", "at risk", "hibernating"];

    /// <summary>The label of a single segment (k = 1).</summary>
    public const string Everyone = "all customers";

    /// <summary>The value score of a standardised centroid (recency, frequency, monetary, variety order).</summary>
    public static double ValueScore(ReadOnlySpan<double> standardised) => -standardised[0] + standardised[1] + standardised[2];

    /// <summary>The label of the segment ranked <paramref name="rank"/> (0 = best) among <paramref name="k"/>.</summary>
    public static string ForRank(int rank, int k)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(rank);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(rank, k);
        var top = Ladder.Count - 1;
        if (k == 1) return Everyone;
        if (k <= Ladder.Count) return Ladder[(int)Math.Round(rank * (double)top / (k - 1), MidpointRounding.AwayFromZero)];
        if (rank == k - 1) return Ladder[top];
        return rank < top ? Ladder[rank] : $"segment-{rank + 1}";
    }
}
