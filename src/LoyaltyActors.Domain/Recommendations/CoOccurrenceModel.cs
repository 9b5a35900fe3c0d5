using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace LoyaltyActors.Domain.Recommendations;

/// <summary>
/// Exact market-basket counts: for every SKU the number of orders containing it, and for every unordered pair of
/// distinct SKUs the number of orders containing both. From these it answers 2-item association rules (arules
/// semantics), similar items and per-customer recommendations.
/// <para>
/// Invariants: <c>0 ≤ PairCount(a,b) ≤ min(ItemCount(a), ItemCount(b)) ≤ Orders</c>. While no order has been capped
/// (<see cref="CappedOrders"/> = 0) the counts equal the exact 1- and 2-itemset supports (as absolute counts) of the
/// orders added minus the orders removed. An order with more than <see cref="MaxPairsPerOrder"/> distinct pairs still
/// counts all of its items; only its pairs beyond the cap are left out, and that is reported
/// (<see cref="CappedOrders"/>, <see cref="SkippedPairs"/>, the result of <see cref="AddOrder"/>), never silent.
/// </para>
/// <para>
/// SKUs are compared ordinally and taken as given (normalising labels, e.g. trimming, is the reader's job).
/// Mutable and not thread-safe: one owner (an actor) updates and queries it. No I/O.
/// Storage: SKUs are interned to ints and each item keeps a dictionary of its co-occurring items, so an update costs
/// O(k + p) for an order of k distinct SKUs and p counted pairs (plus O(k log k) to sort a capped order), and a
/// neighbourhood query costs O(degree).
/// </para>
/// </summary>
public sealed partial class CoOccurrenceModel
{
    private readonly Dictionary<string, int> _idOf = new(StringComparer.Ordinal);
    private readonly List<string> _skuOf = [];
    private readonly List<long> _itemCounts = [];

    // _owned[id]: the SKU belongs to this model's partition (always true for a whole model).
    private readonly List<bool> _owned = [];

    // _neighbours[a][b] = orders in which the pair {a, b} was counted, kept for owned a only; entries are never 0.
    // In a whole model every SKU is owned, so _neighbours[a][b] = _neighbours[b][a].
    private readonly List<Dictionary<int, long>> _neighbours = [];

    /// <summary>Creates an empty model.</summary>
    /// <param name="maxPairsPerOrder">
    /// The most unordered pairs counted for one order (≥ 0). The default, 1,000, counts every pair of an order with up
    /// to 45 distinct SKUs.
    /// </param>
    /// <param name="partition">
    /// The SKUs whose neighbourhoods this model keeps (see <see cref="SkuPartition"/>); null or
    /// <see cref="SkuPartition.Whole"/> for all of them.
    /// </param>
    public CoOccurrenceModel(int maxPairsPerOrder = 1000, SkuPartition? partition = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxPairsPerOrder);
        MaxPairsPerOrder = maxPairsPerOrder;
        Partition = partition ?? SkuPartition.Whole;
    }

    /// <summary>The SKUs whose pair counts this model keeps; <see cref="SkuPartition.Whole"/> unless partitioned.</summary>
    public SkuPartition Partition { get; }

    /// <summary>The most unordered pairs counted for one order.</summary>
    public int MaxPairsPerOrder { get; }

    /// <summary>Orders (baskets) counted: N, the denominator of every support. An order without SKUs counts too, as in arules.</summary>
    public long Orders { get; private set; }

    /// <summary>Counted orders whose pairs were capped (they had more than <see cref="MaxPairsPerOrder"/> distinct pairs).</summary>
    public long CappedOrders { get; private set; }

    /// <summary>Pairs left uncounted by the cap, summed over the counted orders.</summary>
    public long SkippedPairs { get; private set; }

    /// <summary>SKUs with a count ≥ 1.</summary>
    public int DistinctItems { get; private set; }

    /// <summary>
    /// Unordered SKU pairs with a count ≥ 1 whose ordinally smaller SKU this model's <see cref="Partition"/> owns: all of
    /// them in a whole model; summed over the partitions of a split, the whole model's figure.
    /// </summary>
    public long DistinctPairs { get; private set; }

    /// <summary>Orders containing <paramref name="sku"/>; 0 for an unknown SKU.</summary>
    public long ItemCount(string sku) => _idOf.TryGetValue(sku, out var id) ? _itemCounts[id] : 0;

    /// <summary>
    /// Orders in which the pair {<paramref name="a"/>, <paramref name="b"/>} was counted (symmetric); 0 when either is
    /// unknown. For <paramref name="a"/> = <paramref name="b"/> this is the itemset {a}, i.e. <see cref="ItemCount"/>.
    /// A partition knows the pairs of the SKUs it owns; for a pair of two SKUs it does not own it answers 0.
    /// </summary>
    public long PairCount(string a, string b)
    {
        if (string.Equals(a, b, StringComparison.Ordinal)) return ItemCount(a);
        if (!_idOf.TryGetValue(a, out var ia) || !_idOf.TryGetValue(b, out var ib)) return 0;
        if (!_owned[ia]) (ia, ib) = (ib, ia);
        return _owned[ia] ? _neighbours[ia].GetValueOrDefault(ib) : 0;
    }

    /// <summary>
    /// Counts one order: each distinct SKU once (duplicates inside the order count once) and its unordered pairs up to
    /// <see cref="MaxPairsPerOrder"/>. Pair selection is deterministic: when capped, the distinct SKUs are sorted
    /// ordinally and pairs are taken by increasing distance in that order — (0,1), (1,2), …, then (0,2), (1,3), … — so
    /// that every SKU keeps a fair share of pairs rather than the alphabetically first ones taking them all.
    /// </summary>
    /// <returns>The number of pairs skipped by the cap (0 when not capped; saturates at <see cref="int.MaxValue"/>).</returns>
    /// <exception cref="ArgumentException">A SKU is null or empty.</exception>
    public int AddOrder(IReadOnlyCollection<string> skus)
    {
        var order = Plan(skus);
        var ids = new int[order.Skus.Length];
        for (var i = 0; i < ids.Length; i++) ids[i] = Intern(order.Skus[i]);

        foreach (var id in ids)
        {
            if (_itemCounts[id]++ == 0) DistinctItems++;
        }

        foreach (var (i, j) in SelectedPairs(ids.Length, order.Counted))
        {
            // Plan sorted nothing unless capped: which of the two is ordinally smaller is decided per pair.
            if (_owned[ids[i]]) CountDirected(ids[i], ids[j]);
            if (_owned[ids[j]]) CountDirected(ids[j], ids[i]);
        }

        Orders++;
        if (order.Skipped > 0)
        {
            CappedOrders++;
            SkippedPairs += order.Skipped;
        }

        return (int)Math.Min(order.Skipped, int.MaxValue);
    }

    /// <summary>
    /// Uncounts an order: removes exactly what <see cref="AddOrder"/> added for the same SKUs (same deduplication, same
    /// cap, same pair selection). Either the whole order is removed or, when the counts cannot hold it (an unknown SKU, a
    /// count that would go below 0), nothing changes and <see cref="InvalidOperationException"/> is thrown. Removing an
    /// order that was never added but whose items and pairs happen to be counted cannot be detected: the caller removes
    /// only what it added.
    /// </summary>
    /// <exception cref="ArgumentException">A SKU is null or empty.</exception>
    /// <exception cref="InvalidOperationException">The order is not contained in the counts; the model is unchanged.</exception>
    public void RemoveOrder(IReadOnlyCollection<string> skus)
    {
        var order = Plan(skus);
        var ids = new int[order.Skus.Length];
        for (var i = 0; i < ids.Length; i++)
        {
            if (!_idOf.TryGetValue(order.Skus[i], out ids[i]) || _itemCounts[ids[i]] == 0)
                throw new InvalidOperationException($"cannot remove an order with SKU '{order.Skus[i]}': it is not counted");
        }

        if (Orders == 0) throw new InvalidOperationException("cannot remove an order: no orders are counted");
        if (order.Skipped > 0 && (CappedOrders == 0 || SkippedPairs < order.Skipped))
            throw new InvalidOperationException("cannot remove a capped order: the counted capped orders cannot hold it");
        foreach (var (i, j) in SelectedPairs(ids.Length, order.Counted))
        {
            if ((_owned[ids[i]] && _neighbours[ids[i]].GetValueOrDefault(ids[j]) == 0)
                || (_owned[ids[j]] && _neighbours[ids[j]].GetValueOrDefault(ids[i]) == 0))
                throw new InvalidOperationException(
                    $"cannot remove an order with the pair ('{order.Skus[i]}', '{order.Skus[j]}'): it is not counted");
        }

        // Validated: every decrement below keeps its count ≥ 0.
        foreach (var id in ids)
        {
            if (--CollectionsMarshal.AsSpan(_itemCounts)[id] == 0) DistinctItems--;
        }

        foreach (var (i, j) in SelectedPairs(ids.Length, order.Counted))
        {
            if (_owned[ids[i]]) UncountDirected(ids[i], ids[j]);
            if (_owned[ids[j]]) UncountDirected(ids[j], ids[i]);
        }

        Orders--;
        if (order.Skipped > 0)
        {
            CappedOrders--;
            SkippedPairs -= order.Skipped;
        }
    }

    /// <summary>
    /// All 2-item rules <c>{a} ⇒ {b}</c> with support ≥ <paramref name="minSupport"/> and confidence ≥
    /// <paramref name="minConfidence"/>, as arules <c>apriori(minlen = 2, maxlen = 2)</c> keeps them. Thresholds are
    /// compared exactly on counts: each threshold is taken as the decimal it denotes (at most 15 significant digits, so
    /// 0.006 is 6/1000) and a rule is kept iff count(a,b) ≥ minSupport·N and count(a,b) ≥ minConfidence·count(a); for
    /// 0.006 on 9,835 orders that is count ≥ ⌈59.01⌉ = 60. Only pairs that co-occur (count ≥ 1) form rules.
    /// Sorted by lift descending, then support descending, then antecedent and consequent ordinally.
    /// A partition answers the rules whose antecedent it owns; <see cref="MergeRules"/> joins the partitions' answers.
    /// </summary>
    /// <param name="minSupport">Minimum support, a fraction of orders in [0, 1].</param>
    /// <param name="minConfidence">Minimum confidence in [0, 1].</param>
    /// <param name="limit">At most this many rules (≥ 0), the first in the order above; null for all.</param>
    public IReadOnlyList<AssociationRule> Rules(double minSupport, double minConfidence, int? limit = null)
    {
        var supportThreshold = FractionArgument(minSupport, nameof(minSupport));
        var confidenceThreshold = FractionArgument(minConfidence, nameof(minConfidence));
        if (limit is { } l) ArgumentOutOfRangeException.ThrowIfNegative(l, nameof(limit));
        if (Orders == 0 || limit == 0) return [];

        var minCount = Math.Max(1L, CeilingCount(supportThreshold * Orders));
        var rules = new List<AssociationRule>();
        for (var a = 0; a < _skuOf.Count; a++)
        {
            var countA = _itemCounts[a];
            if (countA < minCount || !_owned[a]) continue; // every pair count is ≤ count(a)
            var minPair = Math.Max(minCount, CeilingCount(confidenceThreshold * countA));
            foreach (var (b, count) in _neighbours[a])
            {
                if (count >= minPair) rules.Add(Rule(a, b, count));
            }
        }

        return TopK(rules, limit ?? int.MaxValue, RuleOrder.Instance);
    }

    /// <summary>
    /// Items bought together with <paramref name="sku"/> in at least <paramref name="minPairCount"/> orders, ranked by
    /// <paramref name="measure"/> descending, then pair count descending, then SKU ordinally. Empty for an unknown SKU.
    /// A partition answers for the SKUs it owns (<see cref="SkuPartition.Owns"/>) only.
    /// </summary>
    /// <exception cref="ArgumentException">This model is a partition that does not own <paramref name="sku"/>.</exception>
    /// <param name="limit">At most this many items (≥ 0).</param>
    /// <param name="minPairCount">Minimum co-occurrence count (≥ 1); the default 2 keeps one-off coincidences of rare items out of lift rankings.</param>
    public IReadOnlyList<SimilarItem> Similar(string sku, int limit, SimilarityMeasure measure = SimilarityMeasure.Lift, long minPairCount = 2)
    {
        ArgumentNullException.ThrowIfNull(sku);
        ArgumentOutOfRangeException.ThrowIfNegative(limit);
        ArgumentOutOfRangeException.ThrowIfLessThan(minPairCount, 1);
        if (!Enum.IsDefined(measure)) throw new ArgumentOutOfRangeException(nameof(measure), measure, "unknown similarity measure");
        if (!Partition.Owns(sku)) throw new ArgumentException($"SKU '{sku}' belongs to another partition than {Partition}", nameof(sku));
        if (limit == 0 || !_idOf.TryGetValue(sku, out var a)) return [];

        var items = new List<SimilarItem>();
        foreach (var (b, count) in _neighbours[a])
        {
            if (count < minPairCount) continue;
            var lift = Lift(count, _itemCounts[a], _itemCounts[b]);
            var cosine = count / Math.Sqrt((double)_itemCounts[a] * _itemCounts[b]);
            items.Add(new SimilarItem(_skuOf[b], measure == SimilarityMeasure.Lift ? lift : cosine, count, lift, cosine));
        }

        return TopK(items, limit, SimilarOrder.Instance);
    }

    /// <summary>
    /// Top-<paramref name="limit"/> SKUs for a customer whose recent purchases are <paramref name="recentItems"/>.
    /// <para>
    /// Candidates are items that co-occur with a recent item r in at least <paramref name="minPairCount"/> orders with
    /// lift &gt; 1 (a positive association), excluding <paramref name="alreadyBought"/> and the recent items themselves.
    /// A candidate c scores the local mutual information summed over the recent items (in the order they are given):
    /// <c>score(c) = Σ_r count(r,c) · log₂ lift(r ⇒ c)</c> (unit: co-purchases × bits, &gt; 0). It rewards associations that
    /// are both strong (lift) and well attested (count), so neither one-off pairs of rare items nor merely popular items
    /// dominate, and a candidate linked to several recent items adds up their evidence. Each carries one
    /// <see cref="RecommendationEvidence"/> per contributing recent item, the largest contribution first.
    /// Ties: score descending, then SKU ordinally.
    /// </para>
    /// <para>
    /// When there are fewer than <paramref name="limit"/> candidates (a new customer, unknown items, no co-occurrence),
    /// the list is filled with the most popular items not bought, not recent and not already listed, marked
    /// <see cref="Recommendation.Popularity"/> with their support as score; co-purchase recommendations always come first.
    /// </para>
    /// <para>
    /// It is <see cref="MergeRecommendations"/> of this model's own <see cref="CoPurchases"/>; a partition knows only part
    /// of the pairs, so the partitions' <see cref="CoPurchases"/> are merged instead.
    /// </para>
    /// </summary>
    /// <param name="recentItems">The customer's recent SKUs (duplicates and unknown SKUs are ignored).</param>
    /// <param name="alreadyBought">SKUs never to recommend (matched with the set's own comparer).</param>
    /// <param name="limit">At most this many recommendations (≥ 0).</param>
    /// <param name="minPairCount">Minimum co-occurrence count for a recent item to count as evidence (≥ 1).</param>
    /// <exception cref="InvalidOperationException">This model is one partition of several.</exception>
    public IReadOnlyList<Recommendation> Recommend(
        IReadOnlyCollection<string> recentItems, IReadOnlySet<string> alreadyBought, int limit, long minPairCount = 2)
    {
        if (!Partition.IsWhole)
            throw new InvalidOperationException($"partition {Partition} knows only part of the pairs: merge the partitions' CoPurchases instead");
        return MergeRecommendations(recentItems, [CoPurchases(recentItems, alreadyBought, limit, minPairCount)], limit);
    }

    /// <summary>
    /// This model's share of a recommendation (see <see cref="Recommend"/>): every positive association
    /// (count ≥ <paramref name="minPairCount"/>, lift &gt; 1) from a recent item this model owns to an item neither recent nor
    /// bought, and the <paramref name="limit"/> most popular items neither recent nor bought (item counts are whole in
    /// every partition).
    /// </summary>
    public CoPurchaseEvidence CoPurchases(
        IReadOnlyCollection<string> recentItems, IReadOnlySet<string> alreadyBought, int limit, long minPairCount = 2)
    {
        ArgumentNullException.ThrowIfNull(recentItems);
        ArgumentNullException.ThrowIfNull(alreadyBought);
        ArgumentOutOfRangeException.ThrowIfNegative(limit);
        ArgumentOutOfRangeException.ThrowIfLessThan(minPairCount, 1);
        if (limit == 0) return new CoPurchaseEvidence([], [], Orders);

        var recent = new List<int>();
        var recentIds = new HashSet<int>();
        var recentSkus = new HashSet<string>(StringComparer.Ordinal);
        foreach (var sku in recentItems)
        {
            if (sku is null) continue;
            recentSkus.Add(sku);
            if (_idOf.TryGetValue(sku, out var id) && _itemCounts[id] > 0 && recentIds.Add(id)) recent.Add(id);
        }

        var bought = new HashSet<int>();
        foreach (var sku in alreadyBought)
            if (sku is not null && _idOf.TryGetValue(sku, out var id)) bought.Add(id);

        var links = new List<CoPurchase>();
        foreach (var r in recent)
        {
            if (!_owned[r]) continue;
            foreach (var (c, count) in _neighbours[r])
            {
                if (count < minPairCount || recentIds.Contains(c) || bought.Contains(c)) continue;
                var lift = Lift(count, _itemCounts[r], _itemCounts[c]);
                if (!(lift > 1)) continue;
                links.Add(new CoPurchase(_skuOf[r], _skuOf[c], count, lift, (double)count / _itemCounts[r]));
            }
        }

        var popular = PopularWhere(s => !recentSkus.Contains(s) && !alreadyBought.Contains(s), limit);
        return new CoPurchaseEvidence(links, popular, Orders);
    }

    /// <summary>The <paramref name="limit"/> (≥ 0) most frequent SKUs with their order counts, count descending, then SKU ordinally.</summary>
    public IReadOnlyList<(string Sku, long Count)> Popular(int limit)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(limit);
        return PopularWhere(static _ => true, limit);
    }

    /// <summary>The model's complete state in canonical form (see <see cref="CoOccurrenceSnapshot"/>).</summary>
    public CoOccurrenceSnapshot ToSnapshot()
    {
        var live = Enumerable.Range(0, _skuOf.Count).Where(id => _itemCounts[id] > 0)
            .OrderBy(id => _skuOf[id], StringComparer.Ordinal).ToArray();
        var indexOf = new int[_skuOf.Count];
        for (var i = 0; i < live.Length; i++) indexOf[live[i]] = i;

        var pairs = new List<(int First, int Second, long Count)>((int)Math.Min(DistinctPairs, int.MaxValue));
        for (var i = 0; i < live.Length; i++)
        {
            // Each unordered pair once: from its smaller side when both are owned, else from the owned side.
            foreach (var (b, count) in _neighbours[live[i]])
            {
                var j = indexOf[b];
                if (i < j) pairs.Add((i, j, count));
                else if (!_owned[b]) pairs.Add((j, i, count));
            }
        }

        pairs.Sort((x, y) => x.First != y.First ? x.First.CompareTo(y.First) : x.Second.CompareTo(y.Second));
        return new CoOccurrenceSnapshot
        {
            Version = CoOccurrenceSnapshot.CurrentVersion,
            MaxPairsPerOrder = MaxPairsPerOrder,
            PartitionIndex = Partition.Index,
            PartitionCount = Partition.Count,
            Orders = Orders,
            CappedOrders = CappedOrders,
            SkippedPairs = SkippedPairs,
            Skus = live.Select(id => _skuOf[id]).ToArray(),
            ItemCounts = live.Select(id => _itemCounts[id]).ToArray(),
            PairFirst = pairs.Select(p => p.First).ToArray(),
            PairSecond = pairs.Select(p => p.Second).ToArray(),
            PairCounts = pairs.Select(p => p.Count).ToArray(),
        };
    }

    /// <summary>
    /// Rebuilds a model from <paramref name="snapshot"/>, checking its invariants (any order of SKUs and pairs is accepted).
    /// </summary>
    /// <exception cref="InvalidDataException">The snapshot is of an unknown version or inconsistent.</exception>
    public static CoOccurrenceModel FromSnapshot(CoOccurrenceSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        if (snapshot.Version != CoOccurrenceSnapshot.CurrentVersion)
            throw new InvalidDataException($"co-occurrence snapshot version {snapshot.Version} is not supported");
        Check(snapshot.MaxPairsPerOrder >= 0, "MaxPairsPerOrder is negative");
        Check(snapshot.Orders >= 0 && snapshot.CappedOrders >= 0 && snapshot.CappedOrders <= snapshot.Orders, "order counts are inconsistent");
        Check(snapshot.SkippedPairs >= snapshot.CappedOrders && (snapshot.CappedOrders > 0 || snapshot.SkippedPairs == 0), "skipped pairs are inconsistent");
        var skus = snapshot.Skus ?? throw new InvalidDataException("co-occurrence snapshot: Skus is missing");
        var itemCounts = snapshot.ItemCounts ?? throw new InvalidDataException("co-occurrence snapshot: ItemCounts is missing");
        var first = snapshot.PairFirst ?? throw new InvalidDataException("co-occurrence snapshot: PairFirst is missing");
        var second = snapshot.PairSecond ?? throw new InvalidDataException("co-occurrence snapshot: PairSecond is missing");
        var pairCounts = snapshot.PairCounts ?? throw new InvalidDataException("co-occurrence snapshot: PairCounts is missing");
        Check(skus.Length == itemCounts.Length, "Skus and ItemCounts differ in length");
        Check(first.Length == second.Length && first.Length == pairCounts.Length, "pair arrays differ in length");

        Check(snapshot.PartitionCount >= 1 && snapshot.PartitionIndex >= 0 && snapshot.PartitionIndex < snapshot.PartitionCount, "the partition is out of range");
        var model = new CoOccurrenceModel(snapshot.MaxPairsPerOrder, new SkuPartition(snapshot.PartitionIndex, snapshot.PartitionCount));
        for (var i = 0; i < skus.Length; i++)
        {
            Check(!string.IsNullOrEmpty(skus[i]), $"SKU #{i} is empty");
            Check(itemCounts[i] >= 1 && itemCounts[i] <= snapshot.Orders, $"the count of '{skus[i]}' is out of range");
            Check(!model._idOf.ContainsKey(skus[i]), $"SKU '{skus[i]}' appears twice");
            var id = model.Intern(skus[i]);
            model._itemCounts[id] = itemCounts[i];
        }

        long pairsOwned = 0;
        for (var p = 0; p < first.Length; p++)
        {
            int a = first[p], b = second[p];
            Check(a >= 0 && a < skus.Length && b >= 0 && b < skus.Length && a != b, $"pair #{p} names no two distinct SKUs");
            Check(pairCounts[p] >= 1 && pairCounts[p] <= Math.Min(itemCounts[a], itemCounts[b]), $"the count of pair #{p} is out of range");
            Check(model._owned[a] || model._owned[b], $"pair #{p} belongs to another partition");
            if (model._owned[a]) Check(model._neighbours[a].TryAdd(b, pairCounts[p]), $"pair #{p} appears twice");
            if (model._owned[b]) Check(model._neighbours[b].TryAdd(a, pairCounts[p]), $"pair #{p} appears twice");
            if (model._owned[string.CompareOrdinal(skus[a], skus[b]) < 0 ? a : b]) pairsOwned++;
        }

        model.Orders = snapshot.Orders;
        model.CappedOrders = snapshot.CappedOrders;
        model.SkippedPairs = snapshot.SkippedPairs;
        model.DistinctItems = skus.Length;
        model.DistinctPairs = pairsOwned;
        return model;

        static void Check(bool condition, string problem)
        {
            if (!condition) throw new InvalidDataException($"co-occurrence snapshot: {problem}");
        }
    }

    // ---- internals ----

    /// <summary>An order's distinct SKUs (ordinally sorted when capped) and how many of its pairs are counted and skipped.</summary>
    private readonly record struct OrderPlan(string[] Skus, long Counted, long Skipped);

    private OrderPlan Plan(IReadOnlyCollection<string> skus)
    {
        ArgumentNullException.ThrowIfNull(skus);
        var array = Distinct(skus);
        long k = array.Length, total = k * (k - 1) / 2;
        if (total <= MaxPairsPerOrder) return new OrderPlan(array, total, 0);
        if (ReferenceEquals(array, skus)) array = (string[])array.Clone(); // the caller's array is never reordered
        Array.Sort(array, StringComparer.Ordinal); // the capped selection must not depend on the caller's order
        return new OrderPlan(array, MaxPairsPerOrder, total - MaxPairsPerOrder);
    }

    /// <summary>
    /// The SKUs without repeats, in first-seen order; the caller's own array when it has none (the projections pass
    /// each order's distinct SKUs already, to every partition), so the common order costs no set and no copy.
    /// </summary>
    private static string[] Distinct(IReadOnlyCollection<string> skus)
    {
        if (skus is string[] given && given.Length <= 16)
        {
            var repeats = false;
            for (var i = 0; i < given.Length; i++)
            {
                if (string.IsNullOrEmpty(given[i])) throw new ArgumentException("an order's SKUs must not be null or empty", nameof(skus));
                for (var j = 0; j < i && !repeats; j++) repeats = string.Equals(given[i], given[j], StringComparison.Ordinal);
            }

            if (!repeats) return given;
        }

        var distinct = new HashSet<string>(skus.Count, StringComparer.Ordinal);
        foreach (var sku in skus)
        {
            if (string.IsNullOrEmpty(sku)) throw new ArgumentException("an order's SKUs must not be null or empty", nameof(skus));
            distinct.Add(sku);
        }

        return distinct.ToArray();
    }

    /// <summary>
    /// The first <paramref name="take"/> index pairs (i &lt; j) of k items by increasing distance j − i, then i: every pair
    /// when <paramref name="take"/> = k(k−1)/2. The same sequence for Add and Remove.
    /// </summary>
    /// <remarks>A struct enumerable: <c>foreach</c> over it allocates nothing (an iterator method cost an object per order).</remarks>
    private static PairSequence SelectedPairs(int k, long take) => new(k, take);

    private struct PairSequence(int k, long take)
    {
        private long _emitted;
        private int _gap = 1;
        private int _i = -1;

        public readonly PairSequence GetEnumerator() => this;

        public readonly (int I, int J) Current => (_i, _i + _gap);

        /// <summary>The next (i, i + gap): i rising within a gap, then the next gap; stops after <c>take</c> pairs.</summary>
        public bool MoveNext()
        {
            if (_emitted == take) return false;
            _i++;
            while (_gap < k && _i + _gap >= k)
            {
                _gap++;
                _i = 0;
            }

            if (_gap >= k) return false;
            _emitted++;
            return true;
        }
    }

    private int Intern(string sku)
    {
        ref var id = ref CollectionsMarshal.GetValueRefOrAddDefault(_idOf, sku, out var existed);
        if (existed) return id;
        id = _skuOf.Count;
        _skuOf.Add(sku);
        _itemCounts.Add(0);
        _owned.Add(Partition.Owns(sku));
        _neighbours.Add([]);
        return id;
    }

    /// <summary>Decrements a counted entry; true when it reached 0 and was removed.</summary>
    private static bool Decrement(Dictionary<int, long> counts, int key)
    {
        ref var count = ref CollectionsMarshal.GetValueRefOrNullRef(counts, key);
        if (Unsafe.IsNullRef(ref count) || count <= 0) throw new InvalidOperationException("pair count underflow"); // unreachable after validation
        if (--count > 0) return false;
        counts.Remove(key);
        return true;
    }

    private AssociationRule Rule(int a, int b, long count) =>
        new(_skuOf[a], _skuOf[b], (double)count / Orders, (double)count / _itemCounts[a],
            Lift(count, _itemCounts[a], _itemCounts[b]), count);

    /// <summary>
    /// count·N / (count(a)·count(b)): symmetric in a and b, so a rule and its reverse carry the identical double and tie
    /// exactly in the lift order.
    /// </summary>
    private double Lift(long count, long countA, long countB) => (double)count * Orders / ((double)countA * countB);

    private static decimal FractionArgument(double value, string name)
    {
        if (!(value >= 0 && value <= 1)) throw new ArgumentOutOfRangeException(name, value, "must be a fraction in [0, 1]");
        return (decimal)value; // at most 15 significant digits: 0.006 becomes exactly 0.006
    }

    private static long CeilingCount(decimal threshold) => (long)Math.Ceiling(threshold);

    private List<(string Sku, long Count)> PopularWhere(Func<string, bool> include, int limit)
    {
        if (limit == 0) return [];
        var items = new List<(string Sku, long Count)>();
        for (var id = 0; id < _skuOf.Count; id++)
        {
            if (_itemCounts[id] > 0 && include(_skuOf[id])) items.Add((_skuOf[id], _itemCounts[id]));
        }

        return TopK(items, limit, PopularOrder.Instance);
    }

    /// <summary>The first <paramref name="k"/> of <paramref name="items"/> in <paramref name="order"/>: O(n log k).</summary>
    private static List<T> TopK<T>(IEnumerable<T> items, int k, IComparer<T> order)
    {
        if (k == 0) return [];
        var all = items as List<T>;
        if (all is null || all.Count > k)
        {
            // A max-heap on "worst first" keeps the best k seen so far.
            var heap = new PriorityQueue<T, T>(Comparer<T>.Create((x, y) => order.Compare(y, x)));
            foreach (var item in items)
            {
                if (heap.Count < k) heap.Enqueue(item, item);
                else if (order.Compare(item, heap.Peek()) < 0) heap.EnqueueDequeue(item, item);
            }

            all = new List<T>(heap.Count);
            while (heap.TryDequeue(out var item, out _)) all.Add(item);
        }

        all.Sort(order);
        return all;
    }

    private sealed class RuleOrder : IComparer<AssociationRule>
    {
        public static readonly RuleOrder Instance = new();

        public int Compare(AssociationRule? x, AssociationRule? y)
        {
            var c = y!.Lift.CompareTo(x!.Lift);
            if (c == 0) c = y.Count.CompareTo(x.Count); // support = count/N with the same N
            if (c == 0) c = string.CompareOrdinal(x.Antecedent, y.Antecedent);
            if (c == 0) c = string.CompareOrdinal(x.Consequent, y.Consequent);
            return c;
        }
    }

    private sealed class SimilarOrder : IComparer<SimilarItem>
    {
        public static readonly SimilarOrder Instance = new();

        public int Compare(SimilarItem? x, SimilarItem? y)
        {
            var c = y!.Score.CompareTo(x!.Score);
            if (c == 0) c = y.PairCount.CompareTo(x.PairCount);
            if (c == 0) c = string.CompareOrdinal(x.Sku, y.Sku);
            return c;
        }
    }

    private sealed class RecommendationOrder : IComparer<Recommendation>
    {
        public static readonly RecommendationOrder Instance = new();

        public int Compare(Recommendation? x, Recommendation? y)
        {
            var c = y!.Score.CompareTo(x!.Score);
            if (c == 0) c = string.CompareOrdinal(x.Sku, y.Sku);
            return c;
        }
    }

    private sealed class PopularOrder : IComparer<(string Sku, long Count)>
    {
        public static readonly PopularOrder Instance = new();

        public int Compare((string Sku, long Count) x, (string Sku, long Count) y)
        {
            var c = y.Count.CompareTo(x.Count);
            if (c == 0) c = string.CompareOrdinal(x.Sku, y.Sku);
            return c;
        }
    }
}
