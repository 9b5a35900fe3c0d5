using System.Collections.Immutable;
using System.Runtime.CompilerServices;
using LoyaltyActors.Domain.Scoring;
using NodaTime;

namespace LoyaltyActors.Domain.Customers;

/// <summary>Tier names every program has.</summary>
public static class TierNames
{
    public const string Base = "base";
}

/// <summary>A tier: reached when the trailing spend is at least <paramref name="MinSpend"/>; multiplies earned points.</summary>
public sealed record TierLevel(string Name, decimal MinSpend, decimal Multiplier);

/// <summary>What makes a reward rule fire.</summary>
public enum RewardTrigger
{
    /// <summary>The points balance crosses <see cref="RewardRule.Threshold"/> upwards.</summary>
    Balance,

    /// <summary>The tier goes up (to <see cref="RewardRule.Tier"/>, or to any higher tier when it is null).</summary>
    TierUpgrade,

    /// <summary>The loyalty score crosses <see cref="RewardRule.Threshold"/> (0–1) upwards.</summary>
    Loyalty,

    /// <summary>
    /// Win-back: the customer's BG/NBD P(alive) (latest fitted CLV model) falls below <see cref="RewardRule.Threshold"/>;
    /// at most once per lapse (until the next purchase). Inert while no model is fitted.
    /// </summary>
    WinBack,
}

/// <summary>A reward rule. Issuing a reward does not spend points; redeeming does.</summary>
public sealed record RewardRule(string Id, RewardTrigger When, string Reward, decimal Threshold = 0m, string? Tier = null, int Version = 1);

/// <summary>
/// The whole loyalty program a customer is decided under: earning, expiry, tiers and rewards. Tiers come from
/// the spend of the trailing <see cref="TierWindow"/> (by UTC day, returns deducted on their order's day);
/// an upgrade is immediate, a downgrade only at a review (<see cref="TierReview"/> after the tier was set, then
/// again every <see cref="TierReview"/>). The first tier must be the base tier, with MinSpend 0.
/// </summary>
public sealed record LoyaltyProgram(
    PointsPolicy Points,
    ImmutableArray<TierLevel> Tiers,
    Period TierWindow,
    Period TierReview,
    ImmutableArray<RewardRule> Rewards,
    LoyaltyWeights LoyaltyWeights)
{
    /// <summary>The latest fitted churn model, which win-back rules read; null = none fitted (win-back rules inert).</summary>
    public Clv.ClvModel? Clv { get; init; }

    public static ImmutableArray<TierLevel> BaseOnly { get; } = [new TierLevel(TierNames.Base, 0m, 1m)];

    /// <summary>Points only: no expiry unless the policy has one, one tier, no rewards.</summary>
    public static LoyaltyProgram PointsOnly(PointsPolicy points) =>
        new(points, BaseOnly, Period.FromMonths(12), Period.FromMonths(3), [], new LoyaltyWeights());

    /// <summary>The shipped defaults (CONTRACT): 1 point per unit, 12-month expiry, voucher-10 at 1,000 points.</summary>
    public static LoyaltyProgram Default { get; } = new(
        PointsPolicy.Default with { Expiry = Period.FromMonths(12) },
        [new TierLevel(TierNames.Base, 0m, 1m), new TierLevel("silver", 1_000m, 1.25m), new TierLevel("gold", 5_000m, 1.5m)],
        Period.FromMonths(12), Period.FromMonths(3),
        [new RewardRule("balance-1000", RewardTrigger.Balance, "voucher-10", 1_000m)],
        new LoyaltyWeights());

    /// <summary>Checks the program; returns the first problem, naming the setting, or null.</summary>
    public string? Problem()
    {
        if (Tiers.IsDefaultOrEmpty || Tiers[0].MinSpend != 0m)
            return "Loyalty:Tiers:Levels: the first tier must have MinSpend 0 (every customer starts in it)";
        for (var i = 0; i < Tiers.Length; i++)
        {
            if (string.IsNullOrWhiteSpace(Tiers[i].Name)) return $"Loyalty:Tiers:Levels:{i}:Name is empty";
            if (Tiers[i].Multiplier < 0) return $"Loyalty:Tiers:Levels:{i}:Multiplier must not be negative";
            if (i > 0 && Tiers[i].MinSpend <= Tiers[i - 1].MinSpend)
                return $"Loyalty:Tiers:Levels:{i}:MinSpend must be above the previous tier's";
        }

        for (var i = 0; i < Rewards.Length; i++)
        {
            var r = Rewards[i];
            if (string.IsNullOrWhiteSpace(r.Id)) return $"Loyalty:Rewards:{i}:Id is empty";
            if (string.IsNullOrWhiteSpace(r.Reward)) return $"Loyalty:Rewards:{i}:Reward is empty";
            if (r.When == RewardTrigger.TierUpgrade && r.Tier is { } t && TierIndex(t) < 0)
                return $"Loyalty:Rewards:{i}:Tier '{t}' is not a configured tier";
            if (r.When == RewardTrigger.Loyalty && r.Threshold is <= 0m or > 1m)
                return $"Loyalty:Rewards:{i}:Threshold must be in (0, 1] for a loyalty rule";
            if (r.When == RewardTrigger.WinBack && r.Threshold is <= 0m or >= 1m)
                return $"Loyalty:Rewards:{i}:Threshold must be in (0, 1) for a win-back rule (a P(alive))";
        }

        if (Rewards.Select(r => r.Id).Distinct(StringComparer.Ordinal).Count() != Rewards.Length)
            return "Loyalty:Rewards: rule ids must be unique";
        return null;
    }

    /// <summary>The position of <paramref name="name"/> in <see cref="Tiers"/>, or −1.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public int TierIndex(string name)
    {
        for (var i = 0; i < Tiers.Length; i++)
            if (string.Equals(Tiers[i].Name, name, StringComparison.Ordinal)) return i;
        return -1;
    }

    /// <summary>The multiplier of tier <paramref name="name"/> (1 for a tier no longer configured).</summary>
    public decimal MultiplierOf(string name) => TierIndex(name) is var i and >= 0 ? Tiers[i].Multiplier : 1m;

    /// <summary>The highest tier whose threshold <paramref name="spend"/> reaches.</summary>
    public int QualifyingTier(decimal spend)
    {
        var best = 0;
        for (var i = 1; i < Tiers.Length; i++)
            if (spend >= Tiers[i].MinSpend) best = i;
        return best;
    }
}
