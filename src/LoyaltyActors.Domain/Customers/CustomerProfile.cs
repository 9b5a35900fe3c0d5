using LoyaltyActors.Domain.Clv;
using LoyaltyActors.Domain.Scoring;
using NodaTime;

namespace LoyaltyActors.Domain.Customers;

/// <summary>
/// A customer's features and scores as of <see cref="AsOf"/>. Money in the deployment currency. The CLV figures
/// (<see cref="PAlive"/>, <see cref="ExpectedPurchases"/>, <see cref="ExpectedValue"/> over the next
/// <see cref="ClvHorizonDays"/> days, from model version <see cref="ClvModelVersion"/>) are null without a fitted model
/// or before the customer's first purchase.
/// </summary>
public sealed record CustomerProfile(
    string CustomerId,
    Instant AsOf,
    int Events,
    int Orders,
    Instant? FirstPurchaseAt,
    Instant? LastPurchaseAt,
    double? RecencyDays,
    decimal MonetaryTotal,
    decimal MonetaryMean,
    decimal GrossSpend,
    decimal ReturnedTotal,
    int Variety,
    int Returns,
    int Views,
    double DwellSeconds,
    int Reviews,
    double? MeanRating,
    double DecayedFrequency,
    double DecayedSpend,
    double BehaviorScore,
    double Preference,
    double Loyalty,
    long PointsBalance,
    long PointsEarned,
    long PointsReversed,
    long PointsRedeemed,
    string Tier,
    string? Segment,
    double? PAlive = null,
    double? ExpectedPurchases = null,
    double? ExpectedValue = null,
    double? ClvHorizonDays = null,
    int? ClvModelVersion = null)
{
    /// <summary>Σ points that expired.</summary>
    public long PointsExpired { get; init; }

    /// <summary>Points returns took back beyond the live lots, paid first from future earnings.</summary>
    public long PointsDebt { get; init; }

    /// <summary>The next lot to expire: when, and how many points.</summary>
    public Instant? NextExpiryAt { get; init; }

    public long NextExpiryPoints { get; init; }

    /// <summary>Net spend of the trailing tier window, which decides the tier.</summary>
    public decimal TierSpend { get; init; }

    public Instant? TierSince { get; init; }

    /// <summary>When a downgrade can next happen.</summary>
    public Instant? NextTierReview { get; init; }

    /// <summary>Returns held until their order arrives.</summary>
    public int PendingReturns { get; init; }

    /// <summary>Held returns that could not apply to their order.</summary>
    public int DiscardedReturns { get; init; }

    public IReadOnlyList<IssuedReward> Rewards { get; init; } = [];

    /// <summary>Adds the loyalty program's figures of <paramref name="state"/> at <see cref="AsOf"/>.</summary>
    public CustomerProfile WithProgram(CustomerState state, LoyaltyProgram program)
    {
        var next = state.Lots.Where(l => l.ExpiresAt is not null).OrderBy(l => l.ExpiresAt).FirstOrDefault();
        return this with
        {
            PointsExpired = state.PointsExpired,
            PointsDebt = state.PointsDebt,
            NextExpiryAt = next?.ExpiresAt,
            NextExpiryPoints = next?.Remaining ?? 0,
            TierSpend = state.TrailingSpend(AsOf, program.TierWindow),
            TierSince = state.TierSince,
            NextTierReview = state.NextTierReview,
            PendingReturns = state.PendingReturns.Values.Sum(h => h.Length),
            DiscardedReturns = state.DiscardedReturns,
            Rewards = state.Rewards,
        };
    }
}

public static class CustomerProfileBuilder
{
    /// <summary>Derives the profile of <paramref name="state"/> at instant <paramref name="now"/>.</summary>
    public static CustomerProfile Build(
        string customerId, CustomerState state, Instant now, ScoringSettings scoring, PopulationStats population,
        string tier = "base", string? segment = null, ClvScoring? clv = null)
    {
        double? recencyDays = state.LastPurchaseAt is { } last ? Math.Max(0, (now - last).TotalDays) : null;
        var (decayedFrequency, decayedSpend) = Decayed(state, now, scoring.DecayHalfLifeDays);
        var behavior = BehaviorScore(state, recencyDays, scoring.Behavior, population);
        var profile = new CustomerProfile(
            customerId, now, state.EventCount, state.Orders, state.FirstPurchaseAt, state.LastPurchaseAt, recencyDays,
            state.NetSpend, state.Orders == 0 ? 0m : state.NetSpend / state.Orders, state.GrossSpend, state.ReturnedAmount,
            state.CategoryCount, state.Returns, state.Views, state.DwellSeconds, state.Reviews,
            state.Reviews == 0 ? null : (double)state.RatingSum / state.Reviews,
            decayedFrequency, decayedSpend, behavior,
            Sigmoid.Of(scoring.PreferenceSteepness * (behavior - population.BehaviorMean)),
            Loyalty(state, scoring.Loyalty),
            state.PointsBalance, state.PointsEarned, state.PointsReversed, state.PointsRedeemed, tier, segment);
        return clv is null
            ? profile
            : WithClv(profile, clv.Model, clv.Model.Estimate(state.PurchaseDays, now, clv.HorizonPeriods), clv.HorizonPeriods);
    }

    /// <summary>
    /// <paramref name="profile"/> carrying <paramref name="estimate"/> of <paramref name="model"/> over
    /// <paramref name="horizonPeriods"/> model time units (null estimate: the customer had no purchase by then).
    /// </summary>
    public static CustomerProfile WithClv(CustomerProfile profile, ClvModel model, ClvEstimate? estimate, double horizonPeriods) =>
        profile with
        {
            PAlive = estimate?.PAlive,
            ExpectedPurchases = estimate?.ExpectedPurchases,
            ExpectedValue = estimate?.ExpectedValue,
            ClvHorizonDays = horizonPeriods * model.UnitDays,
            ClvModelVersion = model.Version,
        };

    /// <summary><c>L = σ(a·L1 + b·L2 + c·L3 + bias)</c>, see <see cref="LoyaltyWeights"/>.</summary>
    public static double Loyalty(CustomerState state, LoyaltyWeights w) =>
        Sigmoid.Of(w.A * (state.Orders / w.FrequencyScale)
                   + w.B * ((double)state.NetSpend / w.SpendScale)
                   + w.C * (state.CategoryCount / w.VarietyScale)
                   + w.Bias);

    /// <summary>
    /// <c>C(x) = Σ wᵢ·zᵢ</c> over log1p-transformed features standardised by the population. A customer
    /// without purchases has no recency; that term is then 0 (the population mean).
    /// </summary>
    public static double BehaviorScore(CustomerState state, double? recencyDays, BehaviorWeights w, PopulationStats p)
    {
        var score = w.Frequency * p.Frequency.Standardise(Math.Log(1 + state.Orders))
                    + w.Monetary * p.Monetary.Standardise(Math.Log(1 + Math.Max(0, (double)state.NetSpend)))
                    + w.Variety * p.Variety.Standardise(Math.Log(1 + state.CategoryCount))
                    + w.Views * p.Views.Standardise(Math.Log(1 + state.Views))
                    + w.Reviews * p.Reviews.Standardise(Math.Log(1 + state.Reviews));
        if (recencyDays is { } r) score += w.Recency * p.Recency.Standardise(Math.Log(1 + r));
        return score;
    }

    /// <summary>
    /// Exponentially decayed purchase count and spend at <paramref name="now"/>: each purchase day weighs
    /// 2^(−age/half-life), age measured from the start of that UTC day. Purchases after <paramref name="now"/> are ignored.
    /// </summary>
    public static (double Frequency, double Spend) Decayed(CustomerState state, Instant now, double halfLifeDays)
    {
        var nowDays = now.ToUnixTimeTicks() / (double)NodaConstants.TicksPerDay;
        double frequency = 0, spend = 0;
        foreach (var (day, s) in state.PurchaseDays)
        {
            var age = nowDays - day;
            if (age < 0) break;
            var weight = Math.Pow(2, -age / halfLifeDays);
            frequency += s.Purchases * weight;
            spend += (double)s.Amount * weight;
        }

        return (frequency, spend);
    }
}
