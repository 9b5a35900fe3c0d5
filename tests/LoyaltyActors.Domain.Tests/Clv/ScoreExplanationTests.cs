using System.Collections.Immutable;
using LoyaltyActors.Domain.Clv;
using LoyaltyActors.Domain.Customers;
using LoyaltyActors.Domain.Scoring;
using NodaTime;
using Xunit;

namespace LoyaltyActors.Domain.Tests.Clv;

public sealed class ScoreExplanationTests
{
    [Fact]
    public void Terms_add_up_exactly_to_the_profile_scores_for_many_customers_and_populations()
    {
        var rng = new Random(11);
        var now = Instant.FromUtc(2026, 6, 1, 0, 0);
        for (var n = 0; n < 500; n++)
        {
            var orders = rng.Next(0, 40);
            var categories = Enumerable.Range(0, rng.Next(0, 6)).Select(i => "cat" + i).ToImmutableHashSet();
            var state = CustomerState.Empty with
            {
                Orders = orders,
                GrossSpend = orders * (decimal)Math.Round(rng.NextDouble() * 200, 2),
                ReturnedAmount = (decimal)Math.Round(rng.NextDouble() * 50, 2),
                Categories = categories,
                Views = rng.Next(0, 30),
                Reviews = rng.Next(0, 5),
                LastPurchaseAt = orders == 0 ? null : now - Duration.FromHours(rng.Next(0, 24 * 400)),
            };
            FeatureMoments M() => new(rng.NextDouble() * 3, rng.Next(0, 4) == 0 ? 0 : rng.NextDouble() * 2);
            var population = new PopulationStats(M(), M(), M(), M(), M(), M(), rng.NextDouble() - 0.5);
            var scoring = new ScoringSettings(
                new BehaviorWeights(rng.NextDouble(), rng.NextDouble(), rng.NextDouble(), -rng.NextDouble(), rng.NextDouble(), rng.NextDouble()),
                new LoyaltyWeights(rng.NextDouble() * 3, rng.NextDouble() * 3 - 1, rng.NextDouble(), -rng.NextDouble() * 3, 5, 500, 5),
                PreferenceSteepness: 0.5 + rng.NextDouble());

            var profile = CustomerProfileBuilder.Build("C", state, now, scoring, population);
            var loyalty = ScoreExplanations.Loyalty(profile, scoring.Loyalty);
            var behavior = ScoreExplanations.Behavior(profile, scoring, population);

            Assert.Equal(loyalty.Terms.Sum(t => t.Contribution) + loyalty.Bias, loyalty.Logit, 1e-12);
            Assert.Equal(profile.Loyalty, loyalty.Loyalty);
            Assert.Equal(profile.BehaviorScore, behavior.Score);
            Assert.Equal(profile.BehaviorScore, behavior.Terms.Sum(t => t.Contribution), 1e-9);
            Assert.Equal(profile.Preference, behavior.Preference);
            Assert.Equal(orders > 0 ? 6 : 5, behavior.Terms.Count);
        }
    }
}
