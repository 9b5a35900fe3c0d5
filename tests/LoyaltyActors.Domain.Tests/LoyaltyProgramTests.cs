using LoyaltyActors.Domain.Customers;
using LoyaltyActors.Domain.Scoring;
using NodaTime;
using Xunit;
using static LoyaltyActors.Domain.Tests.Support.CustomerScenario;

namespace LoyaltyActors.Domain.Tests;

/// <summary>Earning, reversal, expiry, redemption order, tiers and rewards, one rule at a time.</summary>
public sealed class LoyaltyProgramTests
{
    private static readonly Instant Jan1 = Instant.FromUtc(2026, 1, 1, 12, 0);

    private static LoyaltyProgram Program(
        decimal rate = 1m, Period? expiry = null, TierLevel[]? tiers = null, RewardRule[]? rewards = null, int version = 4) =>
        new(new PointsPolicy(rate, version) { Expiry = expiry ?? Period.FromMonths(12) },
            tiers is null ? LoyaltyProgram.BaseOnly : [.. tiers], Period.FromMonths(12), Period.FromMonths(3),
            rewards is null ? [] : [.. rewards], new LoyaltyWeights());

    [Fact]
    public void A_line_earns_the_floor_of_qty_times_price_times_rate_times_multiplier_at_any_rate_and_multiplier()
    {
        // Rates and multipliers of exactly one (written 1, 1.0, 1.00) skip their product: the points must not change.
        decimal[] rates = [1m, 1.0m, 1.00m, 0.5m, 2m, 0.333m, 1.25m, 0.0000001m, 79_228_162_514_264m];
        decimal[] multipliers = [1m, 1.0m, 1.5m, 2m, 0.75m, 1.123456789m];
        decimal[] prices = [0m, 0.01m, 0.99m, 1m, 2.5m, 12.345m, 999_999.99m, 0.0000001m, 79_228_162_514m];
        int[] quantities = [1, 2, 3, 7, 1_000, 80_995];
        foreach (var rate in rates)
        {
            var policy = new PointsPolicy(rate, 1) { CategoryBonuses = System.Collections.Immutable.ImmutableDictionary<string, decimal>.Empty.Add("bonus", 0.5m) };
            foreach (var multiplier in multipliers)
                foreach (var price in prices)
                    foreach (var qty in quantities)
                    {
                        long Expected(decimal r)
                        {
                            try { return (long)decimal.Floor(qty * price * r * multiplier); }
                            catch (OverflowException) { return long.MinValue; }
                        }

                        long Actual(string category)
                        {
                            try { return policy.PointsFor(qty, price, category, multiplier).Points; }
                            catch (OverflowException) { return long.MinValue; }
                        }

                        Assert.Equal(Expected(rate), Actual(""));
                        Assert.Equal(Expected(rate + 0.5m), Actual("bonus"));
                    }
        }
    }

    private static (CustomerState State, Decision.Accepted Decision) Send(CustomerState state, CustomerCommand command, LoyaltyProgram program)
    {
        var accepted = Assert.IsType<Decision.Accepted>(CustomerDecider.Decide(state, command, program));
        return (state.ApplyAll(accepted.Events), accepted);
    }

    [Fact]
    public void Category_bonus_and_tier_multiplier_set_the_points_and_are_recorded_with_the_rule_version()
    {
        var program = Program(tiers: [new(TierNames.Base, 0m, 1m), new("silver", 100m, 2m)]) with
        {
            Points = new PointsPolicy(1m, 9) { Expiry = Period.FromMonths(12), CategoryBonuses = System.Collections.Immutable.ImmutableDictionary<string, decimal>.Empty.Add("dairy", 0.5m) },
        };

        var (s1, first) = Send(CustomerState.Empty, Purchase("e-1", "O-1", Jan1, Line("MILK", "dairy", 2, 10m), Line("BREAD", "bakery", 1, 150m)), program);
        var p1 = Assert.IsType<PurchaseRecorded>(first.Event);
        // base tier at purchase: dairy earns 1.5 per unit, bakery 1
        Assert.Equal(new[] { (30L, "category:dairy"), (150L, "base") }, p1.Lines.Select(l => (l.Points, l.Rule)));
        Assert.Equal((9, TierNames.Base), (p1.RuleVersion, p1.Tier));
        Assert.Equal("silver", s1.Tier); // 170 of spend: upgraded at once, for the next purchase

        var (_, second) = Send(s1, Purchase("e-2", "O-2", Jan1 + Duration.FromDays(1), Line("BREAD", "bakery", 1, 10m)), program);
        var p2 = Assert.IsType<PurchaseRecorded>(second.Event);
        Assert.Equal((20L, "silver"), (p2.Points, p2.Tier));

        // An order keeps its event's lines for as long as the customer holds it: every line of a category earns under one
        // instance of its rule name, not a string of its own.
        var (_, third) = Send(s1, Purchase("e-3", "O-3", Jan1 + Duration.FromDays(2), Line("MILK", "dairy", 1, 2m), Line("CREAM", "dairy", 1, 3m)), program);
        var p3 = Assert.IsType<PurchaseRecorded>(third.Event);
        Assert.Same(p1.Lines[0].Rule, p3.Lines[0].Rule);
        Assert.Same(p3.Lines[0].Rule, p3.Lines[1].Rule);
    }

    [Fact]
    public void A_return_reverses_the_points_of_its_lines_under_the_rule_of_the_purchase()
    {
        var before = Program(rate: 2m, version: 1);
        var (state, _) = Send(CustomerState.Empty, Purchase("e-1", "O-1", Jan1, Line("A", "x", 3, 10m)), before);
        Assert.Equal(60, state.PointsBalance);

        // the rule changed since: the return still takes back what the purchase earned
        var after = Program(rate: 5m, version: 2);
        var (partly, d1) = Send(state, Return("e-2", "O-1", Jan1 + Duration.FromDays(1), Back("A", 1)), after);
        var r1 = Assert.IsType<ReturnRecorded>(d1.Event);
        Assert.Equal((20L, 1), (r1.Points, r1.RuleVersion));
        var (all, _) = Send(partly, Return("e-3", "O-1", Jan1 + Duration.FromDays(2), Back("A", 2)), after);
        Assert.Equal((0L, 60L), (all.PointsBalance, all.PointsReversed));
    }

    [Fact]
    public void A_return_before_its_order_is_settled_when_the_order_arrives()
    {
        var program = Program();
        var (held, _) = Send(CustomerState.Empty, Return("r-1", "O-7", Jan1 + Duration.FromDays(2), Back("A", 1)), program);
        Assert.Equal(0, held.Returns);

        var (settled, d) = Send(held, Purchase("p-1", "O-7", Jan1, Line("A", "x", 2, 10m), Line("B", "x", 1, 5m)), program);

        var back = Assert.Single(d.Events.OfType<ReturnRecorded>());
        Assert.Equal(("r-1", 10m, 10L), (back.ReconciledFrom, back.Amount, back.Points));
        Assert.Equal((1, 15L, 15m), (settled.Returns, settled.PointsBalance, settled.NetSpend));
        Assert.Empty(settled.PendingReturns);
    }

    [Fact]
    public void A_held_return_that_does_not_fit_its_order_is_discarded_with_the_reason()
    {
        var program = Program();
        var (held, _) = Send(CustomerState.Empty, Return("r-1", "O-7", Jan1, Back("Z", 1)), program);

        var (settled, d) = Send(held, Purchase("p-1", "O-7", Jan1, Line("A", "x", 1, 10m)), program);

        var discarded = Assert.Single(d.Events.OfType<HeldReturnDiscarded>());
        Assert.Contains("'Z' is not in order 'O-7'", discarded.Reason, StringComparison.Ordinal);
        Assert.Equal((0, 1, 10L), (settled.Returns, settled.DiscardedReturns, settled.PointsBalance));
        Assert.Empty(settled.PendingReturns);
    }

    [Fact]
    public void Redemption_spends_the_oldest_lots_first_and_is_refused_above_the_balance()
    {
        var program = Program();
        var (s, _) = Send(CustomerState.Empty, Purchase("e-1", "O-new", Jan1 + Duration.FromDays(5), Line("A", "x", 1, 30m)), program);
        (s, _) = Send(s, Purchase("e-2", "O-old", Jan1, Line("A", "x", 1, 20m)), program);

        (s, _) = Send(s, Redeem("e-3", 25, Jan1 + Duration.FromDays(6)), program);
        Assert.Equal(new[] { ("O-new", 25L) }, s.Lots.Select(l => (l.OrderId, l.Remaining)));

        var refused = Assert.IsType<Decision.Rejected>(CustomerDecider.Decide(s, Redeem("e-4", 26, Jan1 + Duration.FromDays(6)), program));
        Assert.Equal((RejectionKind.InsufficientPoints, "points"), (refused.Kind, refused.Field));
    }

    [Fact]
    public void Lots_expire_at_their_date_when_the_timer_fires_and_before_a_later_command()
    {
        var program = Program(expiry: Period.FromMonths(1));
        var (s, d) = Send(CustomerState.Empty, Purchase("e-1", "O-1", Jan1, Line("A", "x", 1, 40m)), program);
        var expiresAt = Instant.FromUtc(2026, 2, 1, 12, 0);
        Assert.Equal(expiresAt, Assert.Single(d.Events.OfType<WakeUpScheduled>()).At);

        // before the date the timer has nothing to record
        Assert.Same(Decision.Duplicate.Instance, CustomerDecider.Decide(s, new AdvanceClock(CustomerId, expiresAt - Duration.FromSeconds(1)), program));

        var (expired, tick) = Send(s, new AdvanceClock(CustomerId, expiresAt + Duration.FromHours(3)), program);
        var x = Assert.Single(tick.Events.OfType<PointsExpired>());
        Assert.Equal((expiresAt, 40L, 4), (x.OccurredAt, x.Points, x.RuleVersion));
        Assert.Equal((0L, 40L, (Instant?)null), (expired.PointsBalance, expired.PointsExpired, expired.WakeUpAt));

        // without a timer, the next command records the expiry first, so a redemption cannot spend expired points
        var refused = CustomerDecider.Decide(s, Redeem("e-2", 1, expiresAt), program);
        Assert.Equal(RejectionKind.InsufficientPoints, Assert.IsType<Decision.Rejected>(refused).Kind);
    }

    [Fact]
    public void A_tier_is_lowered_only_at_its_review_when_the_trailing_spend_fell()
    {
        var program = Program(tiers: [new(TierNames.Base, 0m, 1m), new("silver", 100m, 1m)]);
        var (s, _) = Send(CustomerState.Empty, Purchase("e-1", "O-1", Jan1, Line("A", "x", 1, 120m)), program);
        Assert.Equal(("silver", Instant.FromUtc(2026, 4, 1, 12, 0)), (s.Tier, s.NextTierReview!.Value));

        // at the first review (3 months) the 12-month spend still qualifies: silver stays, next review in 3 months
        var (kept, k) = Send(s, new AdvanceClock(CustomerId, Instant.FromUtc(2026, 4, 2, 0, 0)), program);
        Assert.Equal(("silver", "silver", "review"), (kept.Tier, Assert.Single(k.Events.OfType<TierChanged>()).From, Assert.Single(k.Events.OfType<TierChanged>()).Reason));

        // a year on, the purchase left the window: the review in January 2027 lowers the tier
        var (lowered, l) = Send(kept, new AdvanceClock(CustomerId, Instant.FromUtc(2027, 1, 15, 0, 0)), program);
        var down = l.Events.OfType<TierChanged>().Last();
        Assert.Equal(("silver", TierNames.Base, Instant.FromUtc(2027, 1, 1, 12, 0)), (down.From, down.To, down.OccurredAt));
        Assert.Equal(TierNames.Base, lowered.Tier);
        Assert.Null(lowered.NextTierReview);
    }

    [Fact]
    public void Rewards_fire_on_balance_tier_upgrade_and_loyalty_and_never_spend_points()
    {
        var program = Program(
            tiers: [new(TierNames.Base, 0m, 1m), new("gold", 500m, 1m)],
            rewards:
            [
                new RewardRule("balance-1000", RewardTrigger.Balance, "voucher-10", 1000m),
                new RewardRule("gold", RewardTrigger.TierUpgrade, "welcome-gold", Tier: "gold", Version: 3),
                new RewardRule("loyal", RewardTrigger.Loyalty, "thanks", 0.5m),
            ]);
        var (s, d) = Send(CustomerState.Empty, Purchase("e-1", "O-1", Jan1, Line("A", "x", 1, 600m)), program);
        var first = d.Events.OfType<RewardIssued>().Select(r => (r.RuleId, r.Reward, r.RuleVersion)).ToList();
        Assert.Equal(new[] { ("gold", "welcome-gold", 3) }, first.Where(r => r.RuleId == "gold"));
        Assert.DoesNotContain(first, r => r.RuleId == "balance-1000");

        var loyaltyBefore = CustomerProfileBuilder.Loyalty(CustomerState.Empty, program.LoyaltyWeights);
        var loyaltyAfter = CustomerProfileBuilder.Loyalty(s, program.LoyaltyWeights);
        Assert.Equal(loyaltyBefore < 0.5 && loyaltyAfter >= 0.5, first.Any(r => r.RuleId == "loyal"));

        var (s2, d2) = Send(s, Purchase("e-2", "O-2", Jan1 + Duration.FromDays(1), Line("A", "x", 1, 450m)), program);
        var reward = Assert.Single(d2.Events.OfType<RewardIssued>(), r => r.RuleId == "balance-1000");
        Assert.Equal("voucher-10", reward.Reward);
        Assert.Equal(1050, s2.PointsBalance); // issuing did not spend

        // staying above the threshold does not fire again; going below and crossing again does
        var (s3, d3) = Send(s2, Purchase("e-3", "O-3", Jan1 + Duration.FromDays(2), Line("A", "x", 1, 10m)), program);
        Assert.DoesNotContain(d3.Events.OfType<RewardIssued>(), r => r.RuleId == "balance-1000");
        (s3, _) = Send(s3, Redeem("e-4", 500, Jan1 + Duration.FromDays(3)), program);
        var (_, d5) = Send(s3, Purchase("e-5", "O-5", Jan1 + Duration.FromDays(4), Line("A", "x", 1, 500m)), program);
        Assert.Single(d5.Events.OfType<RewardIssued>(), r => r.RuleId == "balance-1000");
    }

    [Fact]
    public void Shipped_program_is_valid_and_issues_voucher_10_at_1000_points()
    {
        Assert.Null(LoyaltyProgram.Default.Problem());
        var rule = Assert.Single(LoyaltyProgram.Default.Rewards);
        Assert.Equal((RewardTrigger.Balance, 1000m, "voucher-10"), (rule.When, rule.Threshold, rule.Reward));
        Assert.Equal(1m, LoyaltyProgram.Default.Points.PerCurrencyUnit);
        Assert.Equal(Period.FromMonths(12), LoyaltyProgram.Default.Points.Expiry);
        Assert.Equal((TierNames.Base, 1m), (LoyaltyProgram.Default.Tiers[0].Name, LoyaltyProgram.Default.Tiers[0].Multiplier));
    }

    [Fact]
    public void A_program_with_a_bad_tier_list_names_the_setting()
    {
        var bad = Program(tiers: [new(TierNames.Base, 0m, 1m), new("silver", 0m, 1m)]);
        Assert.Contains("Loyalty:Tiers:Levels:1:MinSpend", bad.Problem(), StringComparison.Ordinal);
    }
}

/// <summary>The win-back rule on BG/NBD P(alive), with the published CDNOW parameters as the fitted model.</summary>
public sealed class WinBackTests
{
    private static readonly LoyaltyActors.Domain.Clv.ClvModel Cdnow = new(3,
        new LoyaltyActors.Domain.Clv.BgNbdFit(new LoyaltyActors.Domain.Clv.BgNbdParameters(0.2426, 4.414, 0.793, 2.426), -9582.4, 2357, true), null,
        new LocalDate(1997, 9, 30), SummaryFrequency.Day, 7, Instant.FromUtc(2026, 1, 1, 0, 0));

    private static LoyaltyProgram Program(LoyaltyActors.Domain.Clv.ClvModel? model) =>
        LoyaltyProgram.PointsOnly(PointsPolicy.Default) with
        {
            Rewards = [new RewardRule("win-back", RewardTrigger.WinBack, "we-miss-you", 0.3m)],
            Clv = model,
        };

    /// <summary>Oracle: P(alive) from the paper's formula on a summary recounted here from the purchase days.</summary>
    private static double PAlive(IReadOnlyList<LocalDate> purchases, LocalDate asOf)
    {
        var days = purchases.Where(d => d <= asOf).Distinct().Order().ToList();
        var x = days.Count - 1;
        var tx = Period.DaysBetween(days[0], days[^1]) / 7.0;
        var t = Period.DaysBetween(days[0], asOf) / 7.0;
        var (r, alpha, a, b) = (0.2426, 4.414, 0.793, 2.426);
        return 1 / (1 + a / (b + x - 1) * Math.Pow((alpha + t) / (alpha + tx), r + x));
    }

    [Fact]
    public void A_repeat_customer_is_woken_on_the_day_p_alive_falls_below_the_threshold_and_rewarded_once_per_lapse()
    {
        var program = Program(Cdnow);
        LocalDate[] bought = [new(2026, 1, 5), new(2026, 2, 2), new(2026, 3, 2)];
        var state = CustomerState.Empty;
        for (var i = 0; i < bought.Length; i++)
            state = state.Accept(Purchase($"p{i}", $"o{i}", bought[i].AtStartOfDayInZone(DateTimeZone.Utc).ToInstant() + Duration.FromHours(10),
                Line("A", "x", 1, 10m)), program);

        // oracle: the first day whose P(alive) is below 0.3
        var day = bought[^1];
        while (PAlive(bought, day) >= 0.3) day = day.PlusDays(1);
        var due = day.AtStartOfDayInZone(DateTimeZone.Utc).ToInstant();
        Assert.Equal(due, state.WakeUpAt);

        Assert.Same(Decision.Duplicate.Instance, CustomerDecider.Decide(state, new AdvanceClock(CustomerId, due - Duration.FromMinutes(1)), program));
        var woken = Assert.IsType<Decision.Accepted>(CustomerDecider.Decide(state, new AdvanceClock(CustomerId, due + Duration.FromMinutes(1)), program));
        var reward = Assert.Single(woken.Events.OfType<RewardIssued>());
        Assert.Equal(("win-back", "we-miss-you"), (reward.RuleId, reward.Reward));
        state = state.ApplyAll(woken.Events);
        Assert.Null(state.WakeUpAt);

        // once per lapse: later ticks issue nothing; a purchase starts a new lapse with a new wake-up
        Assert.Same(Decision.Duplicate.Instance, CustomerDecider.Decide(state, new AdvanceClock(CustomerId, due + Duration.FromDays(90)), program));
        state = state.Accept(Purchase("p9", "o9", due + Duration.FromDays(100), Line("A", "x", 1, 10m)), program);
        Assert.True(state.WakeUpAt > due + Duration.FromDays(100));
    }

    [Fact]
    public void Without_a_fitted_model_or_without_a_repeat_purchase_no_win_back_is_scheduled()
    {
        var once = CustomerState.Empty.Accept(Purchase("p0", "o0", Instant.FromUtc(2026, 1, 5, 10, 0), Line("A", "x", 1, 10m)), Program(Cdnow));
        Assert.Null(once.WakeUpAt); // BG/NBD: a customer with no repeat purchase is alive with probability 1

        var unfitted = Program(null);
        var twice = CustomerState.Empty
            .Accept(Purchase("p0", "o0", Instant.FromUtc(2026, 1, 5, 10, 0), Line("A", "x", 1, 10m)), unfitted)
            .Accept(Purchase("p1", "o1", Instant.FromUtc(2026, 2, 5, 10, 0), Line("A", "x", 1, 10m)), unfitted);
        Assert.Null(twice.WakeUpAt);
        Assert.Same(Decision.Duplicate.Instance, CustomerDecider.Decide(twice, new AdvanceClock(CustomerId, Instant.FromUtc(2030, 1, 1, 0, 0)), unfitted));
    }
}
