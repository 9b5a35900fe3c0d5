namespace LoyaltyActors.Domain.Segments;

/// <summary>
/// The whole state of a <see cref="SegmentModel"/> as plain arrays (public get/set, parameterless constructor), for a
/// document store such as LiteDB. Derived data (cluster and population sums) is not stored: it is recomputed
/// exactly from the members on restore. Customers are stored in the model's internal order, so a restored model
/// iterates, seeds and sweeps exactly like the original.
/// </summary>
public sealed class SegmentSnapshot
{
    /// <summary>Layout version; 1.</summary>
    public int Version { get; set; } = SegmentModel.SnapshotVersion;

    /// <summary>Number of segments.</summary>
    public int K { get; set; }

    /// <summary>Seed of the k-means++ seeding.</summary>
    public int Seed { get; set; }

    /// <summary>Customers needed before the model seeds itself.</summary>
    public int MinCustomersToSeed { get; set; }

    /// <summary>Whether k-means++ seeding has happened.</summary>
    public bool Seeded { get; set; }

    /// <summary>Fixed-point scale of <see cref="Features"/> and <see cref="Anchors"/> (2²⁴).</summary>
    public long FixedPointScale { get; set; } = (long)SegmentModel.FixedPointScale;

    /// <summary>Customer ids, one per customer.</summary>
    public string[] CustomerIds { get; set; } = [];

    /// <summary>Segment of each customer, −1 before seeding.</summary>
    public int[] Segments { get; set; } = [];

    /// <summary>Four values per customer: <c>round(log1p(x) · FixedPointScale)</c> of recency, frequency, monetary, variety.</summary>
    public long[] Features { get; set; } = [];

    /// <summary>
    /// Four fixed-point values per segment (empty before seeding): the position a segment keeps while it has no
    /// members (its k-means++ centre, later its last member).
    /// </summary>
    public long[] Anchors { get; set; } = [];
}
