using LoyaltyActors.Domain.Customers;
using LoyaltyActors.Domain.Scoring;

namespace LoyaltyActors.Domain.Clv;

/// <summary>One term of the loyalty logit: <see cref="Weight"/> × <see cref="Input"/> = <see cref="Contribution"/>.</summary>
/// <param name="Name">"a·L1", "b·L2" or "c·L3".</param>
/// <param name="Raw">The customer figure before scaling (orders, net spend, distinct categories).</param>
/// <param name="Scale">The configured scale the figure is divided by.</param>
public sealed record LoyaltyTerm(string Name, string Feature, double Raw, double Scale, double Input, double Weight, double Contribution);

/// <summary>The loyalty sigmoid taken apart: Σ terms + bias = <see cref="Logit"/>, σ(logit) = <see cref="Loyalty"/>.</summary>
public sealed record LoyaltyExplanation(IReadOnlyList<LoyaltyTerm> Terms, double Bias, double Logit, double Loyalty);

/// <summary>
/// One term of the behaviour score: log1p(<see cref="Raw"/>) standardised with the population's mean and standard
/// deviation, times the weight.
/// </summary>
public sealed record BehaviorTerm(string Feature, double Raw, double Log1p, double PopulationMean, double PopulationStdDev,
    double Standardised, double Weight, double Contribution);

/// <summary>The behaviour score taken apart: Σ contributions = <see cref="Score"/>; the preference σ(r·(C − μ)).</summary>
public sealed record BehaviorExplanation(IReadOnlyList<BehaviorTerm> Terms, double Score, double PopulationMean, double Steepness, double Preference);

/// <summary>
/// Restates <see cref="CustomerProfileBuilder.Loyalty"/> and <see cref="CustomerProfileBuilder.BehaviorScore"/> term by
/// term from a profile's own figures, adding the terms in the same order so the sums equal the profile's scores.
/// </summary>
public static class ScoreExplanations
{
    public static LoyaltyExplanation Loyalty(CustomerProfile profile, LoyaltyWeights w)
    {
        LoyaltyTerm Term(string name, string feature, double raw, double scale, double weight) =>
            new(name, feature, raw, scale, raw / scale, weight, weight * (raw / scale));
        LoyaltyTerm[] terms =
        [
            Term("a·L1", "orders", profile.Orders, w.FrequencyScale, w.A),
            Term("b·L2", "net_spend", (double)profile.MonetaryTotal, w.SpendScale, w.B),
            Term("c·L3", "variety", profile.Variety, w.VarietyScale, w.C),
        ];
        var logit = terms[0].Contribution + terms[1].Contribution + terms[2].Contribution + w.Bias;
        return new LoyaltyExplanation(terms, w.Bias, logit, Sigmoid.Of(logit));
    }

    public static BehaviorExplanation Behavior(CustomerProfile profile, ScoringSettings scoring, PopulationStats p)
    {
        var w = scoring.Behavior;
        BehaviorTerm Term(string feature, double raw, FeatureMoments m, double weight)
        {
            var log1p = Math.Log(1 + raw);
            var z = m.Standardise(log1p);
            return new BehaviorTerm(feature, raw, log1p, m.Mean, m.StdDev, z, weight, weight * z);
        }

        var terms = new List<BehaviorTerm>
        {
            Term("frequency", profile.Orders, p.Frequency, w.Frequency),
            Term("monetary", Math.Max(0, (double)profile.MonetaryTotal), p.Monetary, w.Monetary),
            Term("variety", profile.Variety, p.Variety, w.Variety),
            Term("views", profile.Views, p.Views, w.Views),
            Term("reviews", profile.Reviews, p.Reviews, w.Reviews),
        };
        var score = terms[0].Contribution + terms[1].Contribution + terms[2].Contribution + terms[3].Contribution + terms[4].Contribution;
        // No purchase, no recency: the term is left out (0, the population mean), as the score does.
        if (profile.RecencyDays is { } r)
        {
            terms.Add(Term("recency", r, p.Recency, w.Recency));
            score += terms[^1].Contribution;
        }

        return new BehaviorExplanation(terms, score, p.BehaviorMean, scoring.PreferenceSteepness,
            Sigmoid.Of(scoring.PreferenceSteepness * (score - p.BehaviorMean)));
    }
}
