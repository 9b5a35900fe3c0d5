using LoyaltyActors.Domain.Clv;
using LoyaltyActors.Domain.Customers;
using LoyaltyActors.Domain.Tests.Support;
using Xunit;

namespace LoyaltyActors.Domain.Tests.Clv;

public sealed class ClvPredictionTests
{
    private static readonly BgNbdParameters Published = new(0.242593, 4.413532, 0.792886, 2.425752);

    [SkippableFact]
    public void Top_five_expected_purchases_next_week_are_the_customers_lifetimes_publishes()
    {
        // lifetimes Quickstart: sort_values('predicted_purchases').tail(5) for t = 1 lists 509, 841, 1981, 157, 1516
        // (ascending, so 1516 is expected to buy the most).
        var byId = CdnowSample.Rows()
            .GroupBy(r => r.SampleId)
            .Select(g => (Id: g.Key, Summary: LifetimesOracle.Summarise(g.Select(r => new TimedPurchase(r.Date, r.Dollars)),
                new DateTime(1997, 9, 30, 0, 0, 0, DateTimeKind.Utc), SummaryFrequency.Day, 7)!.Value))
            .ToList();

        var top = byId
            .OrderByDescending(c => BgNbd.ExpectedPurchases(Published, 1, c.Summary.Frequency, c.Summary.Recency, c.Summary.T))
            .Take(5)
            .Select(c => c.Id)
            .ToList();

        Assert.Equal([1516, 157, 1981, 841, 509], top);
    }

    [Fact]
    public void Expected_purchases_match_a_numerical_integration_of_the_model()
    {
        // Independent route: for a customer with x = 0 and T = 0 (just arrived), E[X(t)] is the BG/NBD mean
        // ∫∫ E[X(t) | λ, p] f(λ) f(p), with E[X(t) | λ, p] = (1 − e^(−λpt)) / p (the paper's equation 8).
        var prm = new BgNbdParameters(1.3, 2.0, 1.8, 2.5);
        const double t = 3.0;
        double integral = 0;
        const int steps = 4000;
        for (var i = 0; i < steps; i++)
        {
            var u = (i + 0.5) / steps; // p ~ Beta(a, b) on (0, 1)
            var betaDensity = Math.Exp((prm.A - 1) * Math.Log(u) + (prm.B - 1) * Math.Log(1 - u)
                                       - (SpecialFunctions.LogGamma(prm.A) + SpecialFunctions.LogGamma(prm.B) - SpecialFunctions.LogGamma(prm.A + prm.B)));
            // E over λ ~ Gamma(r, α) of (1 − e^(−λ u t)) = 1 − (α / (α + u t))^r
            var inner = (1 - Math.Pow(prm.Alpha / (prm.Alpha + u * t), prm.R)) / u;
            integral += betaDensity * inner / steps;
        }

        Assert.Equal(integral, BgNbd.ExpectedPurchases(prm, t, 0, 0, 0), 1e-4);
    }

    [Fact]
    public void A_long_silence_lowers_p_alive_and_no_repeat_means_alive()
    {
        Assert.Equal(1.0, BgNbd.ProbabilityAlive(Published, 0, 0, 30));
        var recent = BgNbd.ProbabilityAlive(Published, 3, 28, 30);
        var silent = BgNbd.ProbabilityAlive(Published, 3, 5, 30);
        Assert.InRange(silent, 0, recent - 0.1);
    }

    [Fact]
    public void Gamma_gamma_expected_spend_shrinks_towards_the_population_mean()
    {
        var g = new GammaGammaParameters(6.25, 3.74, 15.45);
        var population = 6.25 * 15.45 / (3.74 - 1);
        Assert.Equal(population, GammaGamma.ExpectedAverageValue(g, 0, 0)!.Value, 1e-12);
        var one = GammaGamma.ExpectedAverageValue(g, 1, 100)!.Value;
        var many = GammaGamma.ExpectedAverageValue(g, 20, 100)!.Value;
        Assert.True(population < one && one < many && many < 100);
    }
}
