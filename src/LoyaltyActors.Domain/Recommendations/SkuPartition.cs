namespace LoyaltyActors.Domain.Recommendations;

/// <summary>
/// Partition <see cref="Index"/> of <see cref="Count"/> of the SKU space, by a stable hash of the SKU: SKU s belongs to
/// partition <c>FNV-1a-32(UTF-8 bytes of s) mod Count</c>, the same in every process, version and platform (unlike
/// <see cref="string.GetHashCode()"/>, which is randomised per process).
/// <para>
/// A partitioned <see cref="CoOccurrenceModel"/> sees every order and keeps every item count and the order count (small:
/// one number per SKU, and every support, confidence and lift needs them), but keeps the pair counts
/// <c>count(a, ·)</c> only for the SKUs a it owns: the whole neighbourhood of each owned SKU. So the owner of x answers
/// "similar items of x" alone, each rule <c>{a} ⇒ {b}</c> is found by exactly one partition (the owner of a), and a
/// recommendation sums the evidence each partition holds for the customer's recent items it owns. A pair of SKUs owned by
/// two partitions is counted in both (once as a's neighbour, once as b's), which is what a whole model keeps as well.
/// </para>
/// </summary>
public sealed record SkuPartition
{
    /// <summary>Creates partition <paramref name="index"/> (0 ≤ index &lt; count) of <paramref name="count"/> (≥ 1).</summary>
    public SkuPartition(int index, int count)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, count);
        Index = index;
        Count = count;
    }

    /// <summary>The only partition of one: every SKU.</summary>
    public static SkuPartition Whole { get; } = new(0, 1);

    /// <summary>0-based index of this partition.</summary>
    public int Index { get; }

    /// <summary>How many partitions the SKU space is split into (≥ 1).</summary>
    public int Count { get; }

    /// <summary>True for the only partition of one.</summary>
    public bool IsWhole => Count == 1;

    /// <summary>True when <paramref name="sku"/> belongs to this partition.</summary>
    public bool Owns(string sku) => Count == 1 || Of(sku, Count) == Index;

    /// <summary>The partition (0 ≤ result &lt; <paramref name="count"/>) that owns <paramref name="sku"/>.</summary>
    public static int Of(string sku, int count)
    {
        ArgumentNullException.ThrowIfNull(sku);
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        if (count == 1) return 0;
        var hash = 2166136261u;
        Span<byte> buffer = stackalloc byte[4];
        foreach (var rune in sku.EnumerateRunes())
        {
            var n = rune.EncodeToUtf8(buffer);
            for (var i = 0; i < n; i++) hash = (hash ^ buffer[i]) * 16777619u;
        }

        return (int)(hash % (uint)count);
    }

    /// <summary>e.g. <c>2of4</c>.</summary>
    public override string ToString() => $"{Index}of{Count}";
}

/// <summary>
/// A positive association from a customer's recent item <see cref="BecauseOf"/> to a candidate <see cref="Candidate"/>
/// (neither recent nor bought): <see cref="CoCount"/> orders hold both (≥ 1), <see cref="Lift"/> &gt; 1 and
/// <see cref="Confidence"/> are those of the rule <c>{BecauseOf} ⇒ {Candidate}</c>.
/// </summary>
public sealed record CoPurchase(string BecauseOf, string Candidate, long CoCount, double Lift, double Confidence);

/// <summary>
/// One model's share of a recommendation (<see cref="CoOccurrenceModel.CoPurchases"/>): its co-purchase links, the most
/// popular items neither recent nor bought (count descending, then SKU ordinally) and its order count N.
/// </summary>
public sealed record CoPurchaseEvidence(IReadOnlyList<CoPurchase> Links, IReadOnlyList<(string Sku, long Count)> Popular, long Orders);
