namespace LoyaltyActors.Domain.Recommendations;

/// <summary>
/// A 2-item association rule <c>{Antecedent} ⇒ {Consequent}</c> as arules defines it, over <c>N</c> counted orders:
/// <see cref="Support"/> = count(a,b)/N ∈ (0, 1]; <see cref="Confidence"/> = count(a,b)/count(a) ∈ (0, 1];
/// <see cref="Lift"/> = confidence / support(b) = count(a,b)·N / (count(a)·count(b)) &gt; 0 (1 = independence);
/// <see cref="Count"/> = count(a,b), the number of orders holding both (≥ 1).
/// </summary>
public sealed record AssociationRule(string Antecedent, string Consequent, double Support, double Confidence, double Lift, long Count);

/// <summary>
/// An item that co-occurs with a queried item. <see cref="Score"/> is <see cref="Lift"/> or <see cref="Cosine"/>, whichever
/// measure was asked for; <see cref="PairCount"/> is the number of orders holding both items;
/// <see cref="Cosine"/> = count(a,b)/√(count(a)·count(b)) ∈ (0, 1]; <see cref="Lift"/> as in <see cref="AssociationRule"/>.
/// </summary>
public sealed record SimilarItem(string Sku, double Score, long PairCount, double Lift, double Cosine);

/// <summary>
/// One recommended SKU. <see cref="Reason"/> is <see cref="CoPurchase"/> (scored from the customer's recent items, with
/// <see cref="Evidence"/>) or <see cref="Popularity"/> (cold-start fill; <see cref="Score"/> is the item's support in
/// [0, 1] and <see cref="Evidence"/> is empty). See <see cref="CoOccurrenceModel.Recommend"/> for the co-purchase score.
/// </summary>
public sealed record Recommendation(string Sku, double Score, string Reason, IReadOnlyList<RecommendationEvidence> Evidence)
{
    /// <summary>Recommended because it is bought together with the customer's recent items.</summary>
    public const string CoPurchase = "co-purchase";

    /// <summary>Recommended because it is among the most popular items (no or too few co-purchase candidates).</summary>
    public const string Popularity = "popularity";
}

/// <summary>
/// Why a co-purchase recommendation was made: the customer recently bought <see cref="BecauseOf"/>, which was bought
/// together with the recommended SKU in <see cref="CoCount"/> orders; <see cref="Lift"/> and <see cref="Confidence"/> are
/// those of the rule <c>{BecauseOf} ⇒ {recommended SKU}</c>.
/// </summary>
public sealed record RecommendationEvidence(string BecauseOf, long CoCount, double Lift, double Confidence);

/// <summary>How <see cref="CoOccurrenceModel.Similar"/> ranks co-occurring items.</summary>
public enum SimilarityMeasure
{
    /// <summary>count(a,b)·N / (count(a)·count(b)): favours specific (often rarer) companions.</summary>
    Lift,

    /// <summary>count(a,b) / √(count(a)·count(b)) ∈ (0, 1]: balances specificity and popularity.</summary>
    Cosine,
}
