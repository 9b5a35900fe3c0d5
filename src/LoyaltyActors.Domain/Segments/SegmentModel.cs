using LoyaltyActors.Domain.Scoring;

namespace LoyaltyActors.Domain.Segments;

/// <summary>
/// Online k-means over customers' (recency, frequency, monetary, variety) vectors. Pure and mutable: one owner
/// (the segment aggregator actor) calls it from one thread; it does no I/O and, given its seed and the sequence of
/// calls, is deterministic.
/// </summary>
/// <remarks>
/// <para><b>Transform.</b> Each raw feature x is clamped to [0, 10¹⁵] and mapped to <c>t = log1p(x)</c>, held in
/// fixed point as <c>q = round(t · 2²⁴)</c> (resolution 6·10⁻⁸ in log units). Standardisation uses the population
/// mean and divide-by-n standard deviation of t; a feature with zero spread standardises to <c>t − mean</c> (= 0),
/// as <see cref="FeatureMoments.Standardise"/> does for the behaviour score.</para>
/// <para><b>Exact sums.</b> The population keeps Σq (long) and Σq² (Int128) per feature; each segment keeps its
/// member count and Σq per feature. Integer sums make add, remove and move O(1) and exact: they equal the sums
/// recomputed from the members whatever the order of operations, so centroids are the exact means of their members
/// and removing a customer restores the moments bit for bit (Welford's update with removal is only exact up to
/// rounding and drifts over millions of replacements). The bounds (q ≤ 5.8·10⁸, fewer than 2³¹ customers) keep
/// n·Σq² below 1.6·10³⁶, inside Int128.</para>
/// <para><b>Seeding.</b> Nothing is assigned until <see cref="Customers"/> reaches <c>minCustomersToSeed</c>; the
/// upsert (or sweep) that reaches it runs k-means++ with SplitMix64(seed) over the customers in the model's internal
/// order and assigns everyone. The model then stays seeded even if customers are removed.</para>
/// <para><b>Distances</b> are squared Euclidean between the standardised point and the standardised centroid, both
/// standardised with the current moments. An upsert places the customer in the nearest segment (ties: lower id);
/// only <see cref="Sweep"/> moves other customers. A segment left without members keeps its last member's position
/// (its anchor) as centroid; a sweep that leaves a segment empty reseeds it with the customer farthest from its own
/// centroid.</para>
/// </remarks>
public sealed class SegmentModel
{
    /// <summary>Number of clustering features.</summary>
    public const int FeatureCount = 4;

    /// <summary>Fixed-point scale of the transformed features, 2²⁴.</summary>
    public const double FixedPointScale = 16_777_216d;

    /// <summary>Raw feature values above this are clamped to it.</summary>
    public const double MaxRawFeature = 1e15;

    internal const int SnapshotVersion = 1;

    private const int F = FeatureCount;

    /// <summary>Feature names, in vector order: the keys of <see cref="SegmentInfo.Centroid"/> and the export columns.</summary>
    public static IReadOnlyList<string> FeatureNames { get; } = ["recency", "frequency", "monetary", "variety"];

    private readonly Dictionary<string, int> _slotById = new(StringComparer.Ordinal);
    private string[] _ids = new string[16];
    private int[] _segment = new int[16];
    private long[] _q = new long[16 * F];
    private int _count;

    private readonly long[] _popSum = new long[F];
    private readonly Int128[] _popSumSq = new Int128[F];

    private readonly long[] _clusterCount;
    private readonly long[] _clusterSum;
    private readonly long[] _anchor;

    // scratch space; the model has one owner
    private readonly FeatureMoments[] _moments = new FeatureMoments[F];
    private readonly double[] _zCentroids;

    /// <summary>Creates an empty model.</summary>
    /// <param name="k">Number of segments, ≥ 1.</param>
    /// <param name="seed">Seed of the k-means++ seeding.</param>
    /// <param name="minCustomersToSeed">Customers needed before seeding, ≥ k.</param>
    public SegmentModel(int k = 5, int seed = 17, int minCustomersToSeed = 50)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        if (minCustomersToSeed < k)
            throw new ArgumentOutOfRangeException(nameof(minCustomersToSeed), minCustomersToSeed, $"must be at least k = {k}");
        K = k;
        Seed = seed;
        MinCustomersToSeed = minCustomersToSeed;
        _clusterCount = new long[k];
        _clusterSum = new long[k * F];
        _anchor = new long[k * F];
        _zCentroids = new double[k * F];
    }

    /// <summary>Number of segments.</summary>
    public int K { get; }

    /// <summary>Seed of the k-means++ seeding.</summary>
    public int Seed { get; }

    /// <summary>Customers needed before the model seeds itself.</summary>
    public int MinCustomersToSeed { get; }

    /// <summary>Number of customers held.</summary>
    public long Customers => _count;

    /// <summary>Whether k-means++ seeding has happened; from then on every customer has a segment.</summary>
    public bool Seeded { get; private set; }

    /// <summary>Current moments of the transformed features.</summary>
    public PopulationMoments Population
    {
        get
        {
            if (_count == 0) return PopulationMoments.Empty;
            ComputeMoments();
            return new PopulationMoments(_count, _moments[0], _moments[1], _moments[2], _moments[3]);
        }
    }

    /// <summary>
    /// Inserts or replaces a customer's features: the old vector leaves the population and its segment, the new one
    /// joins the population and then the nearest segment under the updated standardisation.
    /// </summary>
    /// <returns>The segment before and after; both null before seeding (Old is also null for a new customer).</returns>
    public (int? Old, int? New) Upsert(string customerId, CustomerFeatures features)
    {
        ArgumentException.ThrowIfNullOrEmpty(customerId);
        Span<long> q = stackalloc long[F];
        Quantise(features, q);

        int? old = null;
        if (_slotById.TryGetValue(customerId, out var slot))
        {
            var previous = _segment[slot];
            if (previous >= 0)
            {
                old = previous;
                Leave(previous, slot);
            }

            PopulationRemove(slot);
            q.CopyTo(_q.AsSpan(slot * F, F));
        }
        else
        {
            slot = AddSlot(customerId, q);
        }

        PopulationAdd(slot);

        if (Seeded)
        {
            ComputeMoments();
            StandardiseCentroids();
            var nearest = Nearest(slot);
            Join(nearest, slot);
            return (old, nearest);
        }

        if (_count >= MinCustomersToSeed)
        {
            SeedKMeansPlusPlus();
            return (old, _segment[slot]);
        }

        return (null, null);
    }

    /// <summary>Removes a customer from the population and its segment.</summary>
    /// <returns>False when the customer is unknown.</returns>
    public bool Remove(string customerId)
    {
        ArgumentNullException.ThrowIfNull(customerId);
        if (!_slotById.TryGetValue(customerId, out var slot)) return false;
        if (_segment[slot] >= 0) Leave(_segment[slot], slot);
        PopulationRemove(slot);

        var last = _count - 1;
        _slotById.Remove(customerId);
        if (slot != last)
        {
            _ids[slot] = _ids[last];
            _segment[slot] = _segment[last];
            Array.Copy(_q, last * F, _q, slot * F, F);
            _slotById[_ids[slot]] = slot;
        }

        _ids[last] = null!;
        _count = last;
        return true;
    }

    /// <summary>
    /// One Lloyd pass: every customer moves to its nearest centroid under the current standardisation (it stays on a
    /// tie with its own), then centroids become the exact means of their members; a segment left empty is reseeded
    /// with the customer farthest from its centroid. Seeds first (k-means++) when not yet seeded and
    /// <see cref="Customers"/> ≥ <see cref="MinCustomersToSeed"/>.
    /// </summary>
    /// <returns>How many customers changed segment (0 when the model cannot seed yet).</returns>
    public int Sweep()
    {
        if (!Seeded)
        {
            if (_count < MinCustomersToSeed || _count == 0) return 0;
            SeedKMeansPlusPlus();
        }

        ComputeMoments();
        StandardiseCentroids();
        var targets = new int[_count];
        Span<double> z = stackalloc double[F];
        for (var slot = 0; slot < _count; slot++)
        {
            StandardisePoint(slot, z);
            var current = _segment[slot];
            var best = current;
            var bestDistance = DistanceToCentroid(z, current);
            for (var c = 0; c < K; c++)
            {
                if (c == current) continue;
                var d = DistanceToCentroid(z, c);
                if (d < bestDistance)
                {
                    bestDistance = d;
                    best = c;
                }
            }

            targets[slot] = best;
        }

        var moved = 0;
        for (var slot = 0; slot < _count; slot++)
        {
            if (targets[slot] == _segment[slot]) continue;
            Leave(_segment[slot], slot);
            Join(targets[slot], slot);
            moved++;
        }

        for (var c = 0; c < K; c++)
        {
            if (_clusterCount[c] == 0 && ReseedEmpty(c)) moved++;
        }

        return moved;
    }

    /// <summary>The customer's segment; null when unknown or before seeding.</summary>
    public int? SegmentOf(string customerId) =>
        _slotById.TryGetValue(customerId, out var slot) && _segment[slot] >= 0 ? _segment[slot] : null;

    /// <summary>The segments ordered by id (so <c>Segments[i].Id == i</c>); empty before seeding.</summary>
    public IReadOnlyList<SegmentInfo> Segments
    {
        get
        {
            if (!Seeded) return [];
            var labels = Labels();
            var segments = new SegmentInfo[K];
            for (var c = 0; c < K; c++)
            {
                var raw = new Dictionary<string, double>(F, StringComparer.Ordinal);
                var standardised = new Dictionary<string, double>(F, StringComparer.Ordinal);
                for (var f = 0; f < F; f++)
                {
                    raw[FeatureNames[f]] = Math.Exp(CentroidT(c, f)) - 1;
                    standardised[FeatureNames[f]] = _zCentroids[c * F + f];
                }

                segments[c] = new SegmentInfo(c, labels[c], _clusterCount[c], raw, standardised);
            }

            return segments;
        }
    }

    /// <summary>
    /// The label of the segment with id <paramref name="segment"/> as <see cref="Segments"/> would give it; null when
    /// out of range or before seeding. Computes only the labels: the projection asks this on every segment change.
    /// </summary>
    /// <remarks>
    /// The segment's rank is counted rather than sorted for: the segments ranked before it are those with a higher value
    /// score, or an equal one and a lower id (the order <see cref="Labels"/> sorts by, a total order, so its sorted
    /// position is exactly this count). No arrays or comparer per call.
    /// </remarks>
    public string? LabelOf(int segment)
    {
        if (!Seeded || segment < 0 || segment >= K) return null;
        ComputeMoments();
        StandardiseCentroids();
        var score = SegmentLabels.ValueScore(_zCentroids.AsSpan(segment * F, F));
        var rank = 0;
        for (var c = 0; c < K; c++)
        {
            if (c == segment) continue;
            var byScore = score.CompareTo(SegmentLabels.ValueScore(_zCentroids.AsSpan(c * F, F)));
            if (byScore < 0 || (byScore == 0 && c < segment)) rank++;
        }

        return SegmentLabels.ForRank(rank, K);
    }

    /// <summary>Labels by segment id: segments ranked by their standardised centroid's value score (ties by id).</summary>
    private string[] Labels()
    {
        ComputeMoments();
        StandardiseCentroids();
        var scores = new double[K];
        for (var c = 0; c < K; c++) scores[c] = SegmentLabels.ValueScore(_zCentroids.AsSpan(c * F, F));
        var ranked = new int[K];
        for (var c = 0; c < K; c++) ranked[c] = c;
        Array.Sort(ranked, (a, b) => scores[b].CompareTo(scores[a]) is var byScore && byScore != 0 ? byScore : a.CompareTo(b));
        var labels = new string[K];
        for (var rank = 0; rank < K; rank++) labels[ranked[rank]] = SegmentLabels.ForRank(rank, K);
        return labels;
    }

    /// <summary>Σ over customers of the squared standardised distance to their segment's centroid; 0 before seeding.</summary>
    public double Inertia()
    {
        if (!Seeded) return 0;
        ComputeMoments();
        StandardiseCentroids();
        Span<double> z = stackalloc double[F];
        var total = 0.0;
        for (var slot = 0; slot < _count; slot++)
        {
            StandardisePoint(slot, z);
            total += DistanceToCentroid(z, _segment[slot]);
        }

        return total;
    }

    /// <summary>
    /// Every customer with its segment (−1 before seeding) and the standardised vector the model clusters, in
    /// <see cref="FeatureNames"/> order, in the model's internal order.
    /// </summary>
    public IReadOnlyList<(string CustomerId, int Segment, double[] Vector)> Export()
    {
        ComputeMoments();
        var rows = new (string, int, double[])[_count];
        for (var slot = 0; slot < _count; slot++)
        {
            var z = new double[F];
            StandardisePoint(slot, z);
            rows[slot] = (_ids[slot], _segment[slot], z);
        }

        return rows;
    }

    /// <summary>The whole state as a plain DTO; <see cref="FromSnapshot"/> gives an identical model.</summary>
    public SegmentSnapshot ToSnapshot() => new()
    {
        Version = SnapshotVersion,
        K = K,
        Seed = Seed,
        MinCustomersToSeed = MinCustomersToSeed,
        Seeded = Seeded,
        FixedPointScale = (long)FixedPointScale,
        CustomerIds = _ids.AsSpan(0, _count).ToArray(),
        Segments = _segment.AsSpan(0, _count).ToArray(),
        Features = _q.AsSpan(0, _count * F).ToArray(),
        Anchors = Seeded ? (long[])_anchor.Clone() : [],
    };

    /// <summary>Restores a model from <see cref="ToSnapshot"/>; sums are recomputed exactly from the members.</summary>
    /// <exception cref="ArgumentException">The snapshot is inconsistent or of another version.</exception>
    public static SegmentModel FromSnapshot(SegmentSnapshot s)
    {
        ArgumentNullException.ThrowIfNull(s);
        if (s.Version != SnapshotVersion) throw Bad($"version {s.Version} is not supported (expected {SnapshotVersion})");
        if (s.FixedPointScale != (long)FixedPointScale) throw Bad($"fixed-point scale {s.FixedPointScale} (expected {(long)FixedPointScale})");
        if (s.K < 1 || s.MinCustomersToSeed < s.K) throw Bad($"k = {s.K} with min customers to seed {s.MinCustomersToSeed}");
        var ids = s.CustomerIds ?? throw Bad("customer ids missing");
        var segments = s.Segments ?? throw Bad("segments missing");
        var features = s.Features ?? throw Bad("features missing");
        var anchors = s.Anchors ?? [];
        if (segments.Length != ids.Length) throw Bad($"{segments.Length} segments for {ids.Length} customers");
        if (features.Length != ids.Length * F) throw Bad($"{features.Length} feature values for {ids.Length} customers");
        if (anchors.Length != (s.Seeded ? s.K * F : 0)) throw Bad($"{anchors.Length} anchor values for k = {s.K}, seeded = {s.Seeded}");

        var maxQ = Quantise(MaxRawFeature);
        if (features.Any(q => q < 0 || q > maxQ) || anchors.Any(q => q < 0 || q > maxQ)) throw Bad("a feature value is out of range");

        var model = new SegmentModel(s.K, s.Seed, s.MinCustomersToSeed) { Seeded = s.Seeded };
        anchors.CopyTo(model._anchor, 0);
        for (var i = 0; i < ids.Length; i++)
        {
            if (string.IsNullOrEmpty(ids[i])) throw Bad($"customer {i} has no id");
            if (model._slotById.ContainsKey(ids[i])) throw Bad($"customer '{ids[i]}' appears twice");
            var segment = segments[i];
            if (s.Seeded ? segment < 0 || segment >= s.K : segment != -1)
                throw Bad($"customer '{ids[i]}' has segment {segment} (k = {s.K}, seeded = {s.Seeded})");
            var slot = model.AddSlot(ids[i], features.AsSpan(i * F, F));
            model.PopulationAdd(slot);
            if (segment >= 0) model.Join(segment, slot);
        }

        return model;

        static ArgumentException Bad(string why) => new($"invalid segment snapshot: {why}", nameof(s));
    }

    // ---- internals visible to the tests ----

    /// <summary>The fixed-point transformed vector of <paramref name="features"/>.</summary>
    internal static void Quantise(CustomerFeatures features, Span<long> q)
    {
        q[0] = Quantise(features.RecencyDays, nameof(features.RecencyDays));
        q[1] = Quantise(features.Frequency, nameof(features.Frequency));
        q[2] = Quantise(features.Monetary, nameof(features.Monetary));
        q[3] = Quantise(features.Variety, nameof(features.Variety));
    }

    internal long ClusterCount(int segment) => _clusterCount[segment];

    internal long ClusterSum(int segment, int feature) => _clusterSum[segment * F + feature];

    internal long PopulationSum(int feature) => _popSum[feature];

    internal Int128 PopulationSumOfSquares(int feature) => _popSumSq[feature];

    // ---- transform ----

    private static long Quantise(double x, string name = "feature")
    {
        if (!double.IsFinite(x)) throw new ArgumentOutOfRangeException(name, x, "a segment feature must be a finite number");
        return (long)Math.Round(Math.Log(1 + Math.Clamp(x, 0, MaxRawFeature)) * FixedPointScale);
    }

    // ---- storage of customers ----

    private int AddSlot(string customerId, ReadOnlySpan<long> q)
    {
        if (_count == _ids.Length)
        {
            var capacity = _ids.Length * 2;
            Array.Resize(ref _ids, capacity);
            Array.Resize(ref _segment, capacity);
            Array.Resize(ref _q, capacity * F);
        }

        var slot = _count++;
        _ids[slot] = customerId;
        _segment[slot] = -1;
        q.CopyTo(_q.AsSpan(slot * F, F));
        _slotById.Add(customerId, slot);
        return slot;
    }

    private void PopulationAdd(int slot)
    {
        for (var f = 0; f < F; f++)
        {
            var q = _q[slot * F + f];
            _popSum[f] += q;
            _popSumSq[f] += (Int128)q * q;
        }
    }

    private void PopulationRemove(int slot)
    {
        for (var f = 0; f < F; f++)
        {
            var q = _q[slot * F + f];
            _popSum[f] -= q;
            _popSumSq[f] -= (Int128)q * q;
        }
    }

    private void Join(int segment, int slot)
    {
        _clusterCount[segment]++;
        for (var f = 0; f < F; f++) _clusterSum[segment * F + f] += _q[slot * F + f];
        _segment[slot] = segment;
    }

    private void Leave(int segment, int slot)
    {
        _clusterCount[segment]--;
        for (var f = 0; f < F; f++) _clusterSum[segment * F + f] -= _q[slot * F + f];
        if (_clusterCount[segment] == 0) Array.Copy(_q, slot * F, _anchor, segment * F, F);
        _segment[slot] = -1;
    }

    // ---- geometry ----

    /// <summary>Fills <see cref="_moments"/> from the exact sums.</summary>
    private void ComputeMoments()
    {
        if (_count == 0)
        {
            Array.Fill(_moments, default);
            return;
        }

        Int128 n = _count;
        for (var f = 0; f < F; f++)
        {
            var sum = _popSum[f];
            var mean = (double)sum / _count / FixedPointScale;
            var spread = n * _popSumSq[f] - (Int128)sum * sum; // n²·variance in q², exact and ≥ 0
            var variance = (double)spread / ((double)_count * _count) / (FixedPointScale * FixedPointScale);
            _moments[f] = new FeatureMoments(mean, Math.Sqrt(variance));
        }
    }

    private double CentroidT(int segment, int feature)
    {
        var count = _clusterCount[segment];
        return count > 0
            ? (double)_clusterSum[segment * F + feature] / count / FixedPointScale
            : _anchor[segment * F + feature] / FixedPointScale;
    }

    /// <summary>Fills <see cref="_zCentroids"/> with the standardised centroids; needs <see cref="ComputeMoments"/> first.</summary>
    private void StandardiseCentroids()
    {
        for (var c = 0; c < K; c++)
        for (var f = 0; f < F; f++)
            _zCentroids[c * F + f] = _moments[f].Standardise(CentroidT(c, f));
    }

    private void StandardisePoint(int slot, Span<double> z)
    {
        for (var f = 0; f < F; f++) z[f] = _moments[f].Standardise(_q[slot * F + f] / FixedPointScale);
    }

    private double DistanceToCentroid(ReadOnlySpan<double> z, int segment)
    {
        var d = 0.0;
        for (var f = 0; f < F; f++)
        {
            var diff = z[f] - _zCentroids[segment * F + f];
            d += diff * diff;
        }

        return d;
    }

    /// <summary>The nearest segment to a customer (ties: lower id); needs moments and standardised centroids.</summary>
    private int Nearest(int slot)
    {
        Span<double> z = stackalloc double[F];
        StandardisePoint(slot, z);
        var best = 0;
        var bestDistance = double.PositiveInfinity;
        for (var c = 0; c < K; c++)
        {
            var d = DistanceToCentroid(z, c);
            if (d < bestDistance)
            {
                bestDistance = d;
                best = c;
            }
        }

        return best;
    }

    /// <summary>
    /// k-means++ (Arthur and Vassilvitskii 2007): the first centre uniformly, each next one with probability
    /// proportional to the squared distance to the nearest chosen centre. When fewer distinct vectors than k exist,
    /// the remaining segments start on the first centre and stay empty. Then everyone joins the nearest centre.
    /// </summary>
    private void SeedKMeansPlusPlus()
    {
        ComputeMoments();
        var rng = new SplitMix64(unchecked((ulong)Seed));
        var z = new double[_count * F];
        for (var slot = 0; slot < _count; slot++) StandardisePoint(slot, z.AsSpan(slot * F, F));

        var first = rng.NextInt(_count);
        var nearest = new double[_count];
        Array.Fill(nearest, double.PositiveInfinity);
        var centre = first;
        for (var c = 0; c < K; c++)
        {
            if (c > 0)
            {
                var total = 0.0;
                for (var slot = 0; slot < _count; slot++) total += nearest[slot];
                centre = first;
                if (total > 0)
                {
                    var target = rng.NextDouble() * total;
                    var cumulative = 0.0;
                    for (var slot = 0; slot < _count; slot++)
                    {
                        if (nearest[slot] <= 0) continue;
                        centre = slot; // the last candidate with weight guards against rounding at the end
                        cumulative += nearest[slot];
                        if (cumulative > target) break;
                    }
                }
            }

            Array.Copy(_q, centre * F, _anchor, c * F, F);
            for (var slot = 0; slot < _count; slot++)
            {
                var d = 0.0;
                for (var f = 0; f < F; f++)
                {
                    var diff = z[slot * F + f] - z[centre * F + f];
                    d += diff * diff;
                }

                nearest[slot] = Math.Min(nearest[slot], d);
            }
        }

        Array.Clear(_clusterCount);
        Array.Clear(_clusterSum);
        StandardiseCentroids(); // every segment is empty: centroids are the centres
        Seeded = true;
        for (var slot = 0; slot < _count; slot++) Join(Nearest(slot), slot);
    }

    /// <summary>Moves the customer farthest from its own centroid (in a segment of ≥ 2) into empty segment <paramref name="empty"/>.</summary>
    private bool ReseedEmpty(int empty)
    {
        ComputeMoments();
        StandardiseCentroids();
        Span<double> z = stackalloc double[F];
        var farthest = -1;
        var farthestDistance = 0.0;
        for (var slot = 0; slot < _count; slot++)
        {
            if (_clusterCount[_segment[slot]] < 2) continue;
            StandardisePoint(slot, z);
            var d = DistanceToCentroid(z, _segment[slot]);
            if (d > farthestDistance)
            {
                farthestDistance = d;
                farthest = slot;
            }
        }

        if (farthest < 0) return false;
        Leave(_segment[farthest], farthest);
        Join(empty, farthest);
        return true;
    }
}
