namespace LoyaltyActors.Domain.Recommendations;

/// <summary>
/// The complete state of a <see cref="CoOccurrenceModel"/> as plain arrays of primitives (public get/set properties and a
/// parameterless constructor, so System.Text.Json and LiteDB's BsonMapper handle it without configuration).
/// <para>
/// Canonical form, as written by <see cref="CoOccurrenceModel.ToSnapshot"/>: <see cref="Skus"/> holds every SKU with a
/// count ≥ 1, in ordinal order, with <see cref="ItemCounts"/> parallel to it; pairs are three parallel arrays
/// (<see cref="PairFirst"/>, <see cref="PairSecond"/> index into <see cref="Skus"/> with first &lt; second, and
/// <see cref="PairCounts"/> ≥ 1), sorted by (first, second). Two models with equal counts therefore have identical
/// snapshots, whatever order their orders were added in. A partition's snapshot lists every item but only the pairs
/// with at least one SKU it owns.
/// </para>
/// </summary>
public sealed class CoOccurrenceSnapshot
{
    /// <summary>The layout version of this snapshot; currently 1.</summary>
    public int Version { get; set; } = CurrentVersion;

    /// <summary>The cap on unordered pairs counted per order the model was built with (≥ 0).</summary>
    public int MaxPairsPerOrder { get; set; }

    /// <summary>
    /// The partition of a partitioned model (see <see cref="SkuPartition"/>); 0 for a whole model. Snapshots written before
    /// partitions existed have no such field and read as the whole model.
    /// </summary>
    public int PartitionIndex { get; set; }

    /// <summary>How many partitions the model's SKU space is split into; 1 for a whole model.</summary>
    public int PartitionCount { get; set; } = 1;

    /// <summary>Orders counted (the support denominator N).</summary>
    public long Orders { get; set; }

    /// <summary>Orders whose pairs were capped.</summary>
    public long CappedOrders { get; set; }

    /// <summary>Pairs left uncounted by the cap, summed over all counted orders.</summary>
    public long SkippedPairs { get; set; }

    /// <summary>Every SKU with a count ≥ 1, ordinal order.</summary>
    public string[] Skus { get; set; } = [];

    /// <summary>Orders containing <c>Skus[i]</c>.</summary>
    public long[] ItemCounts { get; set; } = [];

    /// <summary>Index into <see cref="Skus"/> of the ordinally smaller SKU of each pair.</summary>
    public int[] PairFirst { get; set; } = [];

    /// <summary>Index into <see cref="Skus"/> of the ordinally larger SKU of each pair.</summary>
    public int[] PairSecond { get; set; } = [];

    /// <summary>Orders in which the pair was counted (≥ 1).</summary>
    public long[] PairCounts { get; set; } = [];

    /// <summary>The layout version <see cref="CoOccurrenceModel.ToSnapshot"/> writes.</summary>
    public const int CurrentVersion = 1;
}
