using LoyaltyActors.Domain.Clv;
using LoyaltyActors.Domain.Customers;
using NodaTime;
using Xunit;

namespace LoyaltyActors.Domain.Tests.Clv;

public sealed class ShadowReplayTests
{
    private static readonly Instant T0 = Instant.FromUtc(2026, 3, 1, 10, 0);

    /// <summary>A journal recorded live under the shipped policy: two purchases, a partial return, a view, a review, a redemption.</summary>
    private static List<CustomerEvent> Journal()
    {
        CustomerCommand[] commands =
        [
            new RecordPurchase("p1", "C", T0, "o1", "pos", [new PurchaseLineInput("A", "x", 3, 9.99m), new PurchaseLineInput("B", "y", 1, 20m)]),
            new RecordView("v1", "C", T0.Plus(Duration.FromHours(1)), "B", 12),
            new RecordReturn("r1", "C", T0.Plus(Duration.FromDays(1)), "o1", "pos", [new ReturnLineInput("A", 2)]),
            new RecordPurchase("p2", "C", T0.Plus(Duration.FromDays(3)), "o2", "web", [new PurchaseLineInput("C", "x", 2, 15.5m)]),
            new RecordReview("w1", "C", T0.Plus(Duration.FromDays(4)), "C", 5),
            new RedeemPoints("d1", "C", T0.Plus(Duration.FromDays(5)), 40, "voucher"),
        ];
        var state = CustomerState.Empty;
        var events = new List<CustomerEvent>();
        foreach (var c in commands)
        {
            var e = Assert.IsType<Decision.Accepted>(CustomerDecider.Decide(state, c, PointsPolicy.Default)).Event;
            state = state.Apply(e);
            events.Add(e);
        }

        return events;
    }

    [Fact]
    public void Under_the_same_policy_the_shadow_equals_the_recorded_state()
    {
        var journal = Journal();
        var recorded = CustomerState.Empty.ApplyAll(journal);

        var shadow = ShadowReplay.Run("C", journal, LoyaltyProgram.PointsOnly(PointsPolicy.Default));

        Assert.Empty(shadow.Rejections);
        Assert.Equal(recorded.PointsEarned, shadow.State.PointsEarned);
        Assert.Equal(recorded.PointsReversed, shadow.State.PointsReversed);
        Assert.Equal(recorded.PointsBalance, shadow.State.PointsBalance);
        Assert.Equal(recorded.NetSpend, shadow.State.NetSpend);
        Assert.Equal(recorded.Orders, shadow.State.Orders);
        Assert.Equal(recorded.Returns, shadow.State.Returns);
        Assert.Equal(recorded.EventIds.Order(), shadow.State.EventIds.Order());
    }

    [Fact]
    public void Another_earning_rate_re_earns_points_and_refuses_a_redemption_the_shadow_balance_cannot_cover()
    {
        var journal = Journal();

        // ⌊3 × 9.99 × 2⌋ = 59, ⌊20 × 2⌋ = 40, ⌊31 × 2⌋ = 62; returning 2 of 3 A takes back ⌊59·2/3⌋ = 39.
        var doubled = ShadowReplay.Run("C", journal, LoyaltyProgram.PointsOnly(new PointsPolicy(2m, 2)));
        Assert.Equal(59 + 40 + 62, doubled.State.PointsEarned);
        Assert.Equal(39, doubled.State.PointsReversed);
        Assert.Equal(59 + 40 + 62 - 39 - 40, doubled.State.PointsBalance);

        // At 0.25 a point per unit: ⌊7.4925⌋ + ⌊5⌋ + ⌊7.75⌋ = 19 earned, ⌊7·2/3⌋ = 4 back: 15 < 40, the redemption is refused.
        var quarter = ShadowReplay.Run("C", journal, LoyaltyProgram.PointsOnly(new PointsPolicy(0.25m, 2)));
        Assert.Equal(19 - 4, quarter.State.PointsBalance);
        var refused = Assert.Single(quarter.Rejections);
        Assert.Equal("d1", refused.EventId);
        Assert.StartsWith("points:", refused.Error);
    }
}
