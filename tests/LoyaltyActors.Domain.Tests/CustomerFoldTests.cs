using LoyaltyActors.Domain.Customers;
using NodaTime;
using Xunit;
using static LoyaltyActors.Domain.Tests.Support.CustomerScenario;

namespace LoyaltyActors.Domain.Tests;

/// <summary>Given events, when a command is decided, then the events and the folded state (DESIGN §3, §5).</summary>
public sealed class CustomerFoldTests
{
    private static readonly PointsPolicy OnePointPerEuro = new(1m, 1);

    private static int DayOf(int year, int month, int day) =>
        (int)(new DateTime(year, month, day, 0, 0, 0, DateTimeKind.Utc) - DateTime.UnixEpoch).TotalDays;

    // ---- purchases ----

    [Fact]
    public void Purchase_updates_orders_spend_first_and_last_purchase_variety_and_days()
    {
        var march10Morning = Instant.FromUtc(2026, 3, 10, 9, 0);
        var march4 = Instant.FromUtc(2026, 3, 4, 18, 30);
        var march10Evening = Instant.FromUtc(2026, 3, 10, 20, 0);

        var state = CustomerState.Empty
            .Accept(Purchase("e-1", "O-1", march10Morning, Line("SKU-1", "dairy", 2, 3.50m), Line("SKU-2", "bakery", 1, 1.25m)), OnePointPerEuro)
            .Accept(Purchase("e-2", "O-2", march4, Line("SKU-3", "dairy", 3, 0.99m), Line("SKU-4", "", 1, 5.00m)), OnePointPerEuro)
            .Accept(Purchase("e-3", "O-3", march10Evening, Line("SKU-5", "produce", 1, 2.00m)), OnePointPerEuro);

        Assert.Equal(3, state.Orders);
        Assert.Equal(8.25m + 7.97m + 2.00m, state.GrossSpend);
        Assert.Equal(state.GrossSpend, state.NetSpend);
        Assert.Equal(march4, state.FirstPurchaseAt);          // an earlier purchase arriving late still becomes the first
        Assert.Equal(march10Evening, state.LastPurchaseAt);
        Assert.Equal(["bakery", "dairy", "produce"], state.Categories.Order(StringComparer.Ordinal)); // no empty category
        Assert.Equal(
            [new(DayOf(2026, 3, 4), new DaySpend(1, 7.97m)), new(DayOf(2026, 3, 10), new DaySpend(2, 10.25m))],
            state.PurchaseDays.ToArray());
        // ⌊7.00⌋ + ⌊1.25⌋, ⌊2.97⌋ + ⌊5.00⌋, ⌊2.00⌋ at one point per euro
        Assert.Equal(7 + 1 + 2 + 5 + 2, state.PointsEarned);
        Assert.Equal(state.PointsEarned, state.PointsBalance);
        Assert.Equal(3, state.EventCount);
        Assert.Equal(march10Evening, state.LastEventAt);
    }

    [Fact]
    public void Purchase_records_the_points_of_each_line_and_the_rule_version()
    {
        var policy = new PointsPolicy(2.5m, 7);

        var (_, bought) = CustomerState.Empty.Accept<PurchaseRecorded>(
            Purchase("e-1", "O-1", T0, Line("SKU-1", "dairy", 3, 1.99m), Line("SKU-2", "bakery", 1, 0.30m)), policy);

        Assert.Equal(7, bought.RuleVersion);
        Assert.Equal([(long)Math.Floor(3 * 1.99 * 2.5), (long)Math.Floor(0.30 * 2.5)], bought.Lines.Select(l => l.Points));
    }

    [Fact]
    public void Purchase_reusing_a_recorded_order_id_under_another_event_id_is_rejected_naming_order_id()
    {
        var state = CustomerState.Empty.Accept(Purchase("e-1", "O-1", T0, Line("SKU-1", "dairy", 1, 1m)), OnePointPerEuro);

        var decision = CustomerDecider.Decide(state, Purchase("e-2", "O-1", T0, Line("SKU-2", "dairy", 1, 1m)), OnePointPerEuro);

        var rejected = Assert.IsType<Decision.Rejected>(decision);
        Assert.Equal((RejectionKind.Invalid, "order_id"), (rejected.Kind, rejected.Field));
    }

    [Fact]
    public void Same_event_id_is_a_duplicate_even_with_another_payload()
    {
        var state = CustomerState.Empty.Accept(Purchase("e-1", "O-1", T0, Line("SKU-1", "dairy", 1, 1m)), OnePointPerEuro);

        Assert.Same(Decision.Duplicate.Instance, CustomerDecider.Decide(state, Purchase("e-1", "O-2", T0, Line("SKU-9", "x", 5, 9m)), OnePointPerEuro));
        Assert.Same(Decision.Duplicate.Instance, CustomerDecider.Decide(state, Redeem("e-1", 1, T0), OnePointPerEuro));
    }

    // ---- returns ----

    [Fact]
    public void Return_reverses_points_earned_by_its_lines()
    {
        var state = CustomerState.Empty.Accept(
            Purchase("e-1", "O-1", T0, Line("SKU-1", "dairy", 2, 10.40m), Line("SKU-2", "bakery", 1, 5.00m)), OnePointPerEuro);
        Assert.Equal(20 + 5, state.PointsBalance); // ⌊20.80⌋ + ⌊5.00⌋

        var (after, returned) = state.Accept<ReturnRecorded>(Return("e-2", "O-1", T0 + Duration.FromDays(1), Back("SKU-1", 2)), OnePointPerEuro);

        Assert.Equal(20, returned.Points);
        Assert.Equal(20.80m, returned.Amount);
        Assert.Equal(5, after.PointsBalance);
        Assert.Equal(20, after.PointsReversed);
        Assert.Equal(20.80m, after.ReturnedAmount);
        Assert.Equal(5.00m, after.NetSpend);
        Assert.Equal(1, after.Returns);
    }

    [Fact]
    public void A_return_marks_its_order_lines_in_the_new_state_and_leaves_the_state_before_it_as_it_was()
    {
        // An order keeps the purchase event's lines as they are and what went back beside them: neither the event nor an
        // earlier state may see a later return.
        var bought = CustomerState.Empty.Accept(
            Purchase("e-1", "O-1", T0, Line("SKU-1", "dairy", 3, 10.00m), Line("SKU-2", "bakery", 1, 5.00m)), OnePointPerEuro);
        var once = bought.Accept(Return("e-2", "O-1", T0 + Duration.FromDays(1), Back("SKU-1", 1)), OnePointPerEuro);
        var twice = once.Accept(Return("e-3", "O-1", T0 + Duration.FromDays(2), Back("SKU-1", 1), Back("SKU-2", 1)), OnePointPerEuro);

        Assert.Equal([(0, 0L), (0, 0L)], bought.OrdersById["O-1"].Lines.Select(l => (l.ReturnedQty, l.PointsReversed)));
        Assert.Equal([(1, 10L), (0, 0L)], once.OrdersById["O-1"].Lines.Select(l => (l.ReturnedQty, l.PointsReversed)));
        Assert.Equal([(2, 20L), (1, 5L)], twice.OrdersById["O-1"].Lines.Select(l => (l.ReturnedQty, l.PointsReversed)));
        Assert.All(twice.OrdersById["O-1"].Lines, l => Assert.Equal(l.Qty - l.ReturnedQty, l.RemainingQty));
        Assert.Equal([("SKU-1", 3, 10.00m, 30L), ("SKU-2", 1, 5.00m, 5L)],
            twice.OrdersById["O-1"].Lines.Select(l => (l.Sku, l.Qty, l.UnitPrice, l.Points)));
    }

    [Fact]
    public void Return_is_not_a_purchase_for_days_orders_or_the_first_and_last_purchase()
    {
        var state = CustomerState.Empty.Accept(Purchase("e-1", "O-1", T0, Line("SKU-1", "dairy", 2, 3m)), OnePointPerEuro);

        var after = state.Accept(Return("e-2", "O-1", T0 + Duration.FromDays(3), Back("SKU-1", 1)), OnePointPerEuro);

        Assert.Equal(state.PurchaseDays.ToArray(), after.PurchaseDays.ToArray());
        Assert.Equal((1, T0, T0), (after.Orders, after.LastPurchaseAt, after.FirstPurchaseAt));
        Assert.Equal(6m, after.GrossSpend);
    }

    public static TheoryData<decimal, int, decimal, long, int[]> PartialReturns => new()
    {
        // rate, qty, unit price, the line's points ⌊qty × price × rate⌋ worked out by hand, return steps
        { 1m, 3, 2.50m, 7, [1, 1, 1] },   // 7.5 → 7 points over 3 units
        { 1m, 3, 2.50m, 7, [2, 1] },
        { 1m, 3, 2.50m, 7, [1, 2] },
        { 0.7m, 7, 1.00m, 4, [3, 2, 2] }, // 4.9 → 4 points over 7 units
        { 0.7m, 7, 1.00m, 4, [1, 1, 1, 1, 1, 1, 1] },
        { 3m, 6, 0.37m, 6, [5, 1] },      // 6.66 → 6 points over 6 units
        { 1m, 5, 0.10m, 0, [2, 3] },      // a line that earned nothing reverses nothing
    };

    [Theory]
    [MemberData(nameof(PartialReturns))]
    public void Partial_returns_in_several_steps_reverse_exactly_the_points_of_the_line(
        decimal rate, int qty, decimal unitPrice, long linePoints, int[] steps)
    {
        var policy = new PointsPolicy(rate, 1);
        var state = CustomerState.Empty.Accept(Purchase("e-0", "O-1", T0, Line("SKU-1", "dairy", qty, unitPrice)), policy);
        Assert.Equal(linePoints, state.PointsEarned);

        var returnedUnits = 0;
        var reversed = 0L;
        for (var i = 0; i < steps.Length; i++)
        {
            var (next, back) = state.Accept<ReturnRecorded>(Return($"e-{i + 1}", "O-1", T0, Back("SKU-1", steps[i])), policy);
            state = next;
            returnedUnits += steps[i];
            reversed += back.Points;

            Assert.InRange(back.Points, 0, linePoints);
            Assert.Equal(steps[i] * unitPrice, back.Amount);
            // proportional: within one point of the exact share of the units returned so far
            Assert.True(Math.Abs(reversed - (double)linePoints * returnedUnits / qty) < 1,
                $"after {returnedUnits}/{qty} units {reversed} of {linePoints} points were reversed");
        }

        Assert.Equal(linePoints, reversed);
        Assert.Equal(linePoints, state.PointsReversed);
        Assert.Equal(0, state.PointsBalance);
        Assert.Equal(qty * unitPrice, state.ReturnedAmount);
        Assert.Equal(0m, state.NetSpend);
    }

    [Fact]
    public void Return_of_a_sku_on_two_lines_reverses_points_from_both_lines()
    {
        var policy = new PointsPolicy(1m, 1);
        var state = CustomerState.Empty.Accept(
            Purchase("e-1", "O-1", T0, Line("SKU-1", "dairy", 1, 9.99m), Line("SKU-1", "dairy", 2, 4.00m)), policy);
        Assert.Equal(9 + 8, state.PointsBalance);

        var (after, back) = state.Accept<ReturnRecorded>(Return("e-2", "O-1", T0, Back("SKU-1", 3)), policy);

        Assert.Equal(17, back.Points);
        Assert.Equal(9.99m + 8.00m, back.Amount);
        Assert.Equal(0, after.PointsBalance);
    }

    [Fact]
    public void Return_of_an_unknown_order_is_held_until_the_order_arrives()
    {
        var state = CustomerState.Empty.Accept(Purchase("e-1", "O-1", T0, Line("SKU-1", "dairy", 1, 1m)), OnePointPerEuro);

        var (held, evt) = state.Accept<ReturnHeld>(Return("e-2", "O-404", T0, Back("SKU-1", 1)), OnePointPerEuro);

        Assert.Equal("O-404", evt.OrderId);
        Assert.Equal((0, 0m, 1), (held.Returns, held.ReturnedAmount, held.PendingReturns["O-404"].Length));
    }

    [Fact]
    public void Returning_more_than_bought_is_rejected_naming_the_line_qty()
    {
        var state = CustomerState.Empty.Accept(
            Purchase("e-1", "O-1", T0, Line("SKU-1", "dairy", 2, 1m), Line("SKU-2", "bakery", 2, 1m)), OnePointPerEuro);

        var decision = CustomerDecider.Decide(state, Return("e-2", "O-1", T0, Back("SKU-1", 1), Back("SKU-2", 3)), OnePointPerEuro);

        var rejected = Assert.IsType<Decision.Rejected>(decision);
        Assert.Equal((RejectionKind.Invalid, "lines[1].qty"), (rejected.Kind, rejected.Field));
    }

    [Fact]
    public void Returning_more_than_remains_after_an_earlier_return_is_rejected_naming_the_line_qty()
    {
        var state = CustomerState.Empty
            .Accept(Purchase("e-1", "O-1", T0, Line("SKU-1", "dairy", 2, 1m)), OnePointPerEuro)
            .Accept(Return("e-2", "O-1", T0, Back("SKU-1", 1)), OnePointPerEuro);

        var decision = CustomerDecider.Decide(state, Return("e-3", "O-1", T0, Back("SKU-1", 2)), OnePointPerEuro);

        Assert.Equal("lines[0].qty", Assert.IsType<Decision.Rejected>(decision).Field);
    }

    [Fact]
    public void Return_listing_a_sku_twice_cannot_take_back_more_than_bought()
    {
        var state = CustomerState.Empty.Accept(Purchase("e-1", "O-1", T0, Line("SKU-1", "dairy", 2, 1m)), OnePointPerEuro);

        var decision = CustomerDecider.Decide(state, Return("e-2", "O-1", T0, Back("SKU-1", 2), Back("SKU-1", 1)), OnePointPerEuro);

        Assert.Equal("lines[1].qty", Assert.IsType<Decision.Rejected>(decision).Field);
    }

    [Fact]
    public void Return_of_a_sku_not_in_the_order_is_rejected_naming_the_line_sku()
    {
        var state = CustomerState.Empty.Accept(Purchase("e-1", "O-1", T0, Line("SKU-1", "dairy", 2, 1m)), OnePointPerEuro);

        var decision = CustomerDecider.Decide(state, Return("e-2", "O-1", T0, Back("SKU-1", 1), Back("SKU-7", 1)), OnePointPerEuro);

        Assert.Equal("lines[1].sku", Assert.IsType<Decision.Rejected>(decision).Field);
    }

    [Fact]
    public void Full_return_of_a_line_at_the_wire_limits_reverses_exactly_its_points()
    {
        // WireLimits.Default lets one line carry qty 1,000,000 at unit price 10,000,000: 10^13 points at 1 point per euro
        var limits = Wire.WireLimits.Default;
        var state = CustomerState.Empty.Accept(
            Purchase("e-1", "O-1", T0, Line("SKU-1", "dairy", limits.MaxQty, limits.MaxUnitPrice)), OnePointPerEuro);
        var earned = (long)(limits.MaxQty * limits.MaxUnitPrice);
        Assert.Equal(earned, state.PointsBalance);

        var (after, back) = state.Accept<ReturnRecorded>(Return("e-2", "O-1", T0, Back("SKU-1", limits.MaxQty)), OnePointPerEuro);

        Assert.Equal(earned, back.Points);
        Assert.Equal(0, after.PointsBalance);
    }

    // ---- redemption ----

    [Fact]
    public void Redeem_above_the_balance_is_rejected_as_insufficient_points()
    {
        var state = CustomerState.Empty.Accept(Purchase("e-1", "O-1", T0, Line("SKU-1", "dairy", 5, 5m)), OnePointPerEuro);

        var decision = CustomerDecider.Decide(state, Redeem("e-2", 26, T0), OnePointPerEuro);

        var rejected = Assert.IsType<Decision.Rejected>(decision);
        Assert.Equal((RejectionKind.InsufficientPoints, "points"), (rejected.Kind, rejected.Field));
    }

    [Fact]
    public void Redeem_of_the_whole_balance_is_accepted_and_empties_it()
    {
        var state = CustomerState.Empty.Accept(Purchase("e-1", "O-1", T0, Line("SKU-1", "dairy", 5, 5m)), OnePointPerEuro);

        var (after, redeemed) = state.Accept<PointsRedeemed>(Redeem("e-2", 25, T0), OnePointPerEuro);

        Assert.Equal(25, redeemed.Points);
        Assert.Equal((0L, 25L), (after.PointsBalance, after.PointsRedeemed));
    }

    [Fact]
    public void Redeem_on_an_empty_balance_is_rejected()
    {
        Assert.IsType<Decision.Rejected>(CustomerDecider.Decide(CustomerState.Empty, Redeem("e-1", 1, T0), OnePointPerEuro));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-100)]
    public void Redeem_of_zero_or_negative_points_is_rejected_naming_points(long points)
    {
        // PointsRedeemed documents Points > 0; a command built outside WireFormat (HTTP redemption, CLI) must not mint points
        var state = CustomerState.Empty.Accept(Purchase("e-1", "O-1", T0, Line("SKU-1", "dairy", 1, 10m)), OnePointPerEuro);

        var decision = CustomerDecider.Decide(state, Redeem("e-2", points, T0), OnePointPerEuro);

        Assert.Equal("points", Assert.IsType<Decision.Rejected>(decision).Field);
    }

    // ---- views, reviews, the fold itself ----

    [Fact]
    public void Views_and_reviews_count_dwell_time_and_ratings_without_touching_purchases()
    {
        var state = CustomerState.Empty
            .Accept(new RecordView("v-1", CustomerId, T0, "SKU-1", 12.5), OnePointPerEuro)
            .Accept(new RecordView("v-2", CustomerId, T0, "SKU-2", 7.5), OnePointPerEuro)
            .Accept(new RecordReview("r-1", CustomerId, T0, "SKU-1", 4), OnePointPerEuro)
            .Accept(new RecordReview("r-2", CustomerId, T0, "SKU-2", 1), OnePointPerEuro);

        Assert.Equal((2, 20.0, 2, 5), (state.Views, state.DwellSeconds, state.Reviews, state.RatingSum));
        Assert.Equal((0, (Instant?)null), (state.Orders, state.FirstPurchaseAt));
        Assert.Empty(state.PurchaseDays);
    }

    private sealed record PointsGifted(string EventId, Instant OccurredAt, long Points) : CustomerEvent(EventId, OccurredAt);

    [Fact]
    public void Apply_throws_for_an_unknown_event_type()
    {
        Assert.Throws<ArgumentException>(() => CustomerState.Empty.Apply(new PointsGifted("g-1", T0, 100)));
    }
}
