using System.Runtime.InteropServices;

namespace LoyaltyActors.Domain.Recommendations;

public sealed partial class CoOccurrenceModel
{
    /// <summary>
    /// The answer of a whole model from the partitions' <see cref="Rules"/> (each lists the rules whose antecedent it
    /// owns, so every rule is in exactly one list): all of them in the order of <see cref="Rules"/>, the first
    /// <paramref name="limit"/> (null for all). Each partition may apply the same limit first: the first k of a union are
    /// among the union of each part's first k.
    /// </summary>
    public static IReadOnlyList<AssociationRule> MergeRules(IEnumerable<IReadOnlyList<AssociationRule>> parts, int? limit = null)
    {
        ArgumentNullException.ThrowIfNull(parts);
        if (limit is { } l) ArgumentOutOfRangeException.ThrowIfNegative(l, nameof(limit));
        return TopK(parts.SelectMany(p => p).ToList(), limit ?? int.MaxValue, RuleOrder.Instance);
    }

    /// <summary>
    /// A recommendation (see <see cref="Recommend"/>) from the models' <see cref="CoPurchases"/>, asked with the same
    /// recent items, bought items and <paramref name="limit"/>: each candidate's score sums its links' contributions
    /// <c>count · log₂ lift</c> in the order of <paramref name="recentItems"/>, exactly as one whole model sums them, so
    /// the partitions of a split answer the very same doubles. The popularity fill and N come from the first part (every
    /// partition keeps every item count).
    /// </summary>
    /// <param name="recentItems">The recent items the parts were asked with (their order fixes the summation order).</param>
    /// <param name="parts">At least one part.</param>
    /// <param name="limit">At most this many recommendations (≥ 0).</param>
    public static IReadOnlyList<Recommendation> MergeRecommendations(
        IReadOnlyCollection<string> recentItems, IReadOnlyList<CoPurchaseEvidence> parts, int limit)
    {
        ArgumentNullException.ThrowIfNull(recentItems);
        ArgumentNullException.ThrowIfNull(parts);
        ArgumentOutOfRangeException.ThrowIfNegative(limit);
        if (parts.Count == 0) throw new ArgumentException("at least one part is needed", nameof(parts));
        if (limit == 0) return [];

        var rank = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var sku in recentItems)
            if (sku is not null) rank.TryAdd(sku, rank.Count);

        // OrderBy is stable; a (recent, candidate) link is unique, so only the order over recent items matters.
        var links = parts.SelectMany(p => p.Links).OrderBy(l => rank.GetValueOrDefault(l.BecauseOf, int.MaxValue)).ToList();
        var scores = new Dictionary<string, double>(StringComparer.Ordinal);
        var linksOf = new Dictionary<string, List<CoPurchase>>(StringComparer.Ordinal);
        foreach (var link in links)
        {
            CollectionsMarshal.GetValueRefOrAddDefault(scores, link.Candidate, out _) += Contribution(link);
            ref var list = ref CollectionsMarshal.GetValueRefOrAddDefault(linksOf, link.Candidate, out _);
            (list ??= []).Add(link);
        }

        var top = TopK(scores.Select(kv => new Recommendation(kv.Key, kv.Value, Recommendation.CoPurchase, [])).ToList(),
            limit, RecommendationOrder.Instance);
        var result = top.Select(r => r with { Evidence = Evidence(linksOf[r.Sku]) }).ToList();
        if (result.Count == limit) return result;

        var listed = new HashSet<string>(result.Select(r => r.Sku), StringComparer.Ordinal);
        var first = parts[0];
        foreach (var (sku, count) in first.Popular.Where(p => !listed.Contains(p.Sku)).Take(limit - result.Count))
            result.Add(new Recommendation(sku, (double)count / first.Orders, Recommendation.Popularity, []));
        return result;

        static double Contribution(CoPurchase link) => link.CoCount * Math.Log2(link.Lift);

        static RecommendationEvidence[] Evidence(List<CoPurchase> links) => links
            .OrderByDescending(Contribution)
            .ThenBy(l => l.BecauseOf, StringComparer.Ordinal)
            .Select(l => new RecommendationEvidence(l.BecauseOf, l.CoCount, l.Lift, l.Confidence))
            .ToArray();
    }

    /// <summary>Counts one direction of a pair: <paramref name="owned"/>'s neighbour <paramref name="other"/>.</summary>
    private void CountDirected(int owned, int other)
    {
        ref var count = ref CollectionsMarshal.GetValueRefOrAddDefault(_neighbours[owned], other, out var existed);
        count++;
        if (!existed && string.CompareOrdinal(_skuOf[owned], _skuOf[other]) < 0) DistinctPairs++;
    }

    /// <summary>Uncounts one direction of a pair (validated by the caller: its count is ≥ 1).</summary>
    private void UncountDirected(int owned, int other)
    {
        if (Decrement(_neighbours[owned], other) && string.CompareOrdinal(_skuOf[owned], _skuOf[other]) < 0) DistinctPairs--;
    }
}
