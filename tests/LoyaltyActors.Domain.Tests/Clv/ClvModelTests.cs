using System.Collections.Immutable;
using LoyaltyActors.Domain.Clv;
using LoyaltyActors.Domain.Customers;
using LoyaltyActors.Domain.Scoring;
using NodaTime;
using Xunit;

namespace LoyaltyActors.Domain.Tests.Clv;

public sealed class ClvModelTests
{
    private static ClvModel Model(BgNbdParameters p) => new(3,
        new BgNbdFit(p, -100, 10, true),
        new GammaGammaFit(new GammaGammaParameters(6.25, 3.74, 15.45), -50, 5, true),
        new LocalDate(1997, 9, 30), SummaryFrequency.Day, 7, Instant.FromUtc(2026, 11, 22, 0, 0));

    private static CustomerState Buyer()
    {
        // Purchases on 1997-01-01, 01-08 (two that day) and 02-19: as of 1997-03-05 in weeks x = 2, tₓ = 7, T = 9.
        var days = PurchaseDayTable.Empty
            .SetItem(EpochDays.Of(new LocalDate(1997, 1, 1)), new DaySpend(1, 10m))
            .SetItem(EpochDays.Of(new LocalDate(1997, 1, 8)), new DaySpend(2, 30m))
            .SetItem(EpochDays.Of(new LocalDate(1997, 2, 19)), new DaySpend(1, 20m));
        return CustomerState.Empty with { Orders = 4, GrossSpend = 60m, PurchaseDays = days };
    }

    [Fact]
    public void Profile_carries_the_estimate_of_the_customers_summary_at_the_profile_instant()
    {
        var p = new BgNbdParameters(0.242593, 4.413532, 0.792886, 2.425752);
        var model = Model(p);
        var at = Instant.FromUtc(1997, 3, 5, 18, 0);

        var profile = CustomerProfileBuilder.Build("C", Buyer(), at, ScoringSettings.Default, PopulationStats.Neutral,
            clv: new ClvScoring(model, 52));

        // Restated: x = 2, tₓ = 7, T = 9 weeks; mean repeat spend (30 + 20) / 2 = 25.
        var pAlive = 1 / (1 + p.A / (p.B + 2 - 1) * Math.Pow((p.Alpha + 9) / (p.Alpha + 7), p.R + 2));
        Assert.Equal(pAlive, profile.PAlive!.Value, 1e-12);
        Assert.Equal(BgNbd.ExpectedPurchases(p, 52, 2, 7, 9), profile.ExpectedPurchases!.Value, 1e-12);
        var spend = 6.25 * (15.45 + 2 * 25) / (6.25 * 2 + 3.74 - 1);
        Assert.Equal(profile.ExpectedPurchases!.Value * spend, profile.ExpectedValue!.Value, 1e-9);
        Assert.Equal(52 * 7, profile.ClvHorizonDays);
        Assert.Equal(3, profile.ClvModelVersion);

        var without = CustomerProfileBuilder.Build("C", Buyer(), at, ScoringSettings.Default, PopulationStats.Neutral);
        Assert.Null(without.PAlive);
        Assert.Null(without.ExpectedValue);
        Assert.Equal(without with { PAlive = profile.PAlive, ExpectedPurchases = profile.ExpectedPurchases, ExpectedValue = profile.ExpectedValue, ClvHorizonDays = 364, ClvModelVersion = 3 }, profile);
    }

    [Fact]
    public void A_customer_without_a_purchase_by_then_and_a_model_without_a_finite_mean_give_no_figures()
    {
        var model = Model(new BgNbdParameters(0.24, 4.4, 0.79, 2.4));
        Assert.Null(model.Estimate(Buyer().PurchaseDays, Instant.FromUtc(1996, 12, 31, 0, 0), 52));

        var degenerate = Model(new BgNbdParameters(0.24, 4.4, 1.0, 2.4)); // a = 1: E[X] divides by a − 1
        Assert.Null(degenerate.Estimate(new LifetimesSummary(2, 7, 9, 25m), 52));
    }

    [Fact]
    public void Stored_form_round_trips()
    {
        var model = Model(new BgNbdParameters(0.24, 4.4, 0.79, 2.4));
        Assert.Equal(model, model.ToStored().ToModel());
        var history = ClvModelHistory.Empty.Add(model.ToStored());
        Assert.Equal(4, history.NextVersion);
    }
}
