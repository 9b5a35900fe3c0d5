using System.Collections.Immutable;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using NodaTime;

namespace LoyaltyActors.Domain.Customers;

/// <summary>Why a command was refused. <see cref="InsufficientPoints"/> maps to HTTP 409.</summary>
public enum RejectionKind
{
    Invalid,

    /// <summary>
    /// The order a refund refers to is known nowhere (a Shopify refund whose order was never received, so its customer
    /// is unknown). A return of a customer's not-yet-recorded order is held instead (see <see cref="ReturnHeld"/>).
    /// </summary>
    UnknownOrder,
    InsufficientPoints,
}

/// <summary>What <see cref="CustomerDecider"/> made of a command.</summary>
public abstract record Decision
{
    /// <summary>
    /// Recorded: <paramref name="Event"/> is the command's own event; <see cref="Events"/> is everything to persist,
    /// in order: what fell due before it (expiry, tier reviews), the event, and its consequences (held returns
    /// settled, tier upgrade, rewards, the next wake-up).
    /// </summary>
    public sealed record Accepted(CustomerEvent Event) : Decision
    {
        // Set by most decisions; the one-event list of the others is made only when asked for.
        private readonly IReadOnlyList<CustomerEvent>? _events;

        public IReadOnlyList<CustomerEvent> Events { get => _events ?? [Event]; init => _events = value; }

        /// <summary>
        /// The decided state with <see cref="Events"/> applied in order, as the decider folded them while deciding; null
        /// when it did not fold them (an erasure). Callers keep it instead of folding the same events a second time.
        /// </summary>
        public CustomerState? After { get; init; }
    }

    public sealed record Duplicate : Decision
    {
        public static Duplicate Instance { get; } = new();
    }

    /// <summary>Refused; <paramref name="Field"/> names the offending wire field (e.g. <c>lines[1].qty</c>).</summary>
    public sealed record Rejected(RejectionKind Kind, string Field, string Message) : Decision
    {
        public string Error => $"{Field}: {Message}";
    }
}

/// <summary>Decide, then evolve: turns a command into the events it causes, given the current state.</summary>
public static class CustomerDecider
{
    /// <summary>Decides under a program of points only (no expiry unless the policy has one, no tiers, no rewards).</summary>
    public static Decision Decide(CustomerState state, CustomerCommand command, PointsPolicy points) =>
        Decide(state, command, LoyaltyProgram.PointsOnly(points));

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static Decision Decide(CustomerState state, CustomerCommand command, LoyaltyProgram program)
    {
        if (command is AdvanceClock tick) return DecideTick(state, tick, program);
        if (command is EraseCustomer erase)
            return new Decision.Accepted(new CustomerErased(erase.EventId, erase.OccurredAt));
        if (state.HasSeen(command.EventId)) return Decision.Duplicate.Instance;

        var events = new List<CustomerEvent>();
        var trigger = command.EventId;
        var before = FallDue(state, command.OccurredAt, program, trigger, events);
        var decision = command switch
        {
            RecordPurchase p => DecidePurchase(before, p, program),
            RecordReturn r => DecideReturn(before, r),
            RecordView v => new Decision.Accepted(new ItemViewed(v.EventId, v.OccurredAt, v.Sku, v.DwellSeconds)),
            RecordReview rv => new Decision.Accepted(new ReviewPosted(rv.EventId, rv.OccurredAt, rv.Sku, rv.Rating)),
            RedeemPoints d => DecideRedeem(before, d),
            _ => throw new ArgumentException($"Unknown command {command.GetType().Name}", nameof(command)),
        };
        if (decision is not Decision.Accepted accepted) return decision;

        events.Add(accepted.Event);
        var after = before.Apply(accepted.Event);
        if (accepted.Event is PurchaseRecorded purchase) after = SettleHeldReturns(after, purchase, events);
        after = Upgrade(after, command.OccurredAt, program, trigger, events);
        after = IssueRewards(before, after, command.OccurredAt, program, trigger, events, events.IndexOf(accepted.Event));
        after = Reschedule(after, command.OccurredAt, program, trigger, events);
        return new Decision.Accepted(accepted.Event) { Events = events, After = after };
    }

    /// <summary>
    /// Time passed: records the expiry and tier reviews due by <paramref name="tick"/>'s instant and the next
    /// wake-up. <see cref="Decision.Duplicate"/> when nothing is due (nothing to record).
    /// </summary>
    private static Decision DecideTick(CustomerState state, AdvanceClock tick, LoyaltyProgram program)
    {
        var events = new List<CustomerEvent>();
        var after = FallDue(state, tick.OccurredAt, program, tick.EventId, events);
        after = Reschedule(after, tick.OccurredAt, program, tick.EventId, events);
        return events.Count == 0 ? Decision.Duplicate.Instance : new Decision.Accepted(events[0]) { Events = events, After = after };
    }

    /// <summary>
    /// Appends what fell due by <paramref name="at"/>: the rest of every lot whose expiry has come (dated at its
    /// expiry), then each tier review whose date has come (dated at the review); returns the state after them.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static CustomerState FallDue(CustomerState state, Instant at, LoyaltyProgram program, string trigger, List<CustomerEvent> events)
    {
        // Most commands find nothing expired: look before sorting (and allocating) anything.
        var anyExpired = false;
        foreach (var lot in state.Lots)
            anyExpired |= lot.ExpiresAt <= at;
        var expiring = anyExpired ? Expired(state.Lots, at) : [];
        foreach (var lot in expiring)
        {
            var expired = new PointsExpired($"{trigger}#expire:{lot.OrderId}", lot.ExpiresAt!.Value, lot.OrderId, lot.Remaining, program.Points.Version);
            events.Add(expired);
            state = state.Apply(expired);
        }

        for (var n = 0; state.NextTierReview is { } review && review <= at; n++)
        {
            var spend = state.TrailingSpend(review, program.TierWindow);
            var current = program.TierIndex(state.Tier);
            var qualifies = program.QualifyingTier(spend);
            var to = current < 0 || qualifies < current ? qualifies : current;
            // Reviews that keep the tier are many over a long silence: one event stands for all of them.
            Instant? next = to == 0 ? null : Calendar.Plus(review, program.TierReview);
            while (to == current && next is { } nx && nx <= at && state.TrailingSpend(nx, program.TierWindow) >= program.Tiers[current].MinSpend)
                next = Calendar.Plus(nx, program.TierReview);
            var changed = new TierChanged($"{trigger}#review:{n}", review, state.Tier, program.Tiers[to].Name, spend, "review", next);
            events.Add(changed);
            state = state.Apply(changed);
        }

        return WinBack(state, at, program, trigger, events);
    }

    /// <summary>
    /// The lots expired by <paramref name="at"/>, in expiry order (then by order id). A method of its own: a lambda over a
    /// parameter of <see cref="FallDue"/> would allocate its closure on every command, expired lots or not.
    /// </summary>
    private static List<PointsLot> Expired(ImmutableArray<PointsLot> lots, Instant at) =>
        lots.Where(l => l.ExpiresAt <= at).OrderBy(l => l.ExpiresAt).ThenBy(l => l.OrderId, StringComparer.Ordinal).ToList();

    /// <summary>Win-back rules whose P(alive) threshold the customer is below by <paramref name="at"/>, once per lapse.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static CustomerState WinBack(CustomerState state, Instant at, LoyaltyProgram program, string trigger, List<CustomerEvent> events)
    {
        if (program.Clv is not { } model) return state;
        foreach (var rule in program.Rewards)
        {
            if (rule.When != RewardTrigger.WinBack || IssuedThisLapse(state, rule)) continue;
            if (PAlive(state, at.InUtc().Date, model) is not { } alive || alive >= (double)rule.Threshold) continue;
            var issued = new RewardIssued($"{trigger}#reward:{rule.Id}", at, rule.Id, rule.Version, rule.Reward,
                $"p_alive {alive.ToString("F4", System.Globalization.CultureInfo.InvariantCulture)} fell below {rule.Threshold} (clv model v{model.Version})");
            events.Add(issued);
            state = state.Apply(issued);
        }

        return state;
    }

    private static bool IssuedThisLapse(CustomerState state, RewardRule rule) =>
        state.LastPurchaseAt is { } last && state.Rewards.Any(r => r.RuleId == rule.Id && r.At >= last);

    /// <summary>BG/NBD P(alive) as of the end of <paramref name="date"/>; null for a customer without a repeat purchase (always alive).</summary>
    public static double? PAlive(CustomerState state, LocalDate date, Clv.ClvModel model)
    {
        if (LifetimesSummaries.Compute(state.PurchaseDays, date, model.Frequency, model.FrequencyMultiplier) is not { Frequency: > 0 } s) return null;
        return Clv.BgNbd.ProbabilityAlive(model.BgNbd.Parameters, s.Frequency, s.Recency, s.T);
    }

    /// <summary>
    /// The first UTC day (its start) on which P(alive) is below the lowest pending win-back threshold, with no new purchase;
    /// null when no rule is pending or the customer has no repeat purchase. P(alive) only falls as T grows, so the day is
    /// found by inverting the closed form and then checked day by day.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static Instant? WinBackDue(CustomerState state, LoyaltyProgram program)
    {
        if (program.Clv is not { } model || state.LastPurchaseAt is not { } last) return null;
        var pending = PendingWinBacks(state, program);
        if (pending.Count == 0) return null;
        var threshold = (double)pending.Max(r => r.Threshold);
        var lastDay = EpochDays.Of(last);
        if (PAlive(state, EpochDays.ToDate(lastDay), model) is not { } now) return null;
        if (now < threshold) return Instant.FromUnixTimeTicks(lastDay * NodaConstants.TicksPerDay);
        var s = LifetimesSummaries.Compute(state.PurchaseDays, EpochDays.ToDate(lastDay), model.Frequency, model.FrequencyMultiplier)!.Value;
        var p = model.BgNbd.Parameters;
        // 1/(1 + K·((α+T)/(α+tx))^(r+x)) < θ  ⇔  T > (α+tx)·((1/θ − 1)/K)^(1/(r+x)) − α, with K = a/(b+x−1)
        var k = p.A / (p.B + s.Frequency - 1);
        var tStar = (p.Alpha + s.Recency) * Math.Pow((1 / threshold - 1) / k, 1 / (p.R + s.Frequency)) - p.Alpha;
        var daysAhead = (tStar - s.T) * model.UnitDays;
        if (!double.IsFinite(daysAhead) || daysAhead > 36_500) return null;
        var day = lastDay + Math.Max(0, (int)Math.Floor(daysAhead) - 1);
        for (var guard = 0; guard < 40 && PAlive(state, EpochDays.ToDate(day), model) >= threshold; guard++) day++;
        return Instant.FromUnixTimeTicks(day * NodaConstants.TicksPerDay);
    }

    /// <summary>The win-back rules not yet issued in this lapse (apart from <see cref="WinBackDue"/>, whose every call would otherwise allocate this lambda's closure).</summary>
    private static List<RewardRule> PendingWinBacks(CustomerState state, LoyaltyProgram program) =>
        program.Rewards.Where(r => r.When == RewardTrigger.WinBack && !IssuedThisLapse(state, r)).ToList();

    /// <summary>Held returns of the order just bought are settled against it, in arrival order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static CustomerState SettleHeldReturns(CustomerState state, PurchaseRecorded purchase, List<CustomerEvent> events)
    {
        if (!state.PendingReturns.TryGetValue(purchase.OrderId, out var held)) return state;
        foreach (var h in held)
        {
            var decision = DecideReturn(state, new RecordReturn($"{h.EventId}#settled", "", h.OccurredAt, h.OrderId, h.Channel, h.Lines));
            CustomerEvent e = decision is Decision.Accepted { Event: ReturnRecorded r }
                ? r with { ReconciledFrom = h.EventId }
                : new HeldReturnDiscarded($"{h.EventId}#discarded", purchase.OccurredAt, h.OrderId, h.EventId,
                    decision is Decision.Rejected rejected ? rejected.Error : "cannot apply");
            events.Add(e);
            state = state.Apply(e);
        }

        return state;
    }

    /// <summary>An upgrade is immediate: the tier the trailing spend reaches, when above the current one.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static CustomerState Upgrade(CustomerState state, Instant at, LoyaltyProgram program, string trigger, List<CustomerEvent> events)
    {
        // At the top tier already, no spend qualifies higher: the trailing spend (a walk over every purchase day) is not needed.
        if (program.TierIndex(state.Tier) == program.Tiers.Length - 1) return state;
        var spend = state.TrailingSpend(at, program.TierWindow);
        var qualifies = program.QualifyingTier(spend);
        if (qualifies <= program.TierIndex(state.Tier)) return state;
        var changed = new TierChanged($"{trigger}#tier", at, state.Tier, program.Tiers[qualifies].Name, spend, "upgrade",
            Calendar.Plus(at, program.TierReview));
        events.Add(changed);
        return state.Apply(changed);
    }

    /// <summary>Each reward rule fires at most once per command, when its condition goes from false to true.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static CustomerState IssueRewards(
        CustomerState before, CustomerState after, Instant at, LoyaltyProgram program, string trigger, List<CustomerEvent> events, int from)
    {
        if (program.Rewards.IsDefaultOrEmpty) return after;
        foreach (var rule in program.Rewards)
        {
            string? why = rule.When switch
            {
                RewardTrigger.Balance when before.PointsBalance < rule.Threshold && after.PointsBalance >= rule.Threshold =>
                    $"points balance {before.PointsBalance} -> {after.PointsBalance} crossed {rule.Threshold}",
                RewardTrigger.TierUpgrade when FirstUpgrade(events, from, rule.Tier) is { } up =>
                    $"tier {up.From} -> {up.To}",
                RewardTrigger.Loyalty when CustomerProfileBuilder.Loyalty(before, program.LoyaltyWeights) < (double)rule.Threshold
                                           && CustomerProfileBuilder.Loyalty(after, program.LoyaltyWeights) >= (double)rule.Threshold =>
                    $"loyalty crossed {rule.Threshold}",
                _ => null,
            };
            if (why is null) continue;
            var issued = new RewardIssued($"{trigger}#reward:{rule.Id}", at, rule.Id, rule.Version, rule.Reward, why);
            events.Add(issued);
            after = after.Apply(issued);
        }

        return after;
    }

    /// <summary>The first upgrade among <paramref name="events"/> from index <paramref name="from"/> on, to <paramref name="tier"/> when given.</summary>
    private static TierChanged? FirstUpgrade(List<CustomerEvent> events, int from, string? tier)
    {
        for (var i = from; i < events.Count; i++)
            if (events[i] is TierChanged { Reason: "upgrade" } t && (tier is null || t.To == tier))
                return t;
        return null;
    }

    /// <summary>Persists the customer's next wake-up (first lot expiry, tier review or win-back day) when it changed; returns the state after it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static CustomerState Reschedule(CustomerState state, Instant at, LoyaltyProgram program, string trigger, List<CustomerEvent> events)
    {
        var next = NextDue(state, program);
        if (next == state.WakeUpAt) return state;
        var scheduled = new WakeUpScheduled($"{trigger}#wake", at, next);
        events.Add(scheduled);
        return state.Apply(scheduled);
    }

    /// <summary>The first instant something falls due for <paramref name="state"/> under <paramref name="program"/>, or null.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static Instant? NextDue(CustomerState state, LoyaltyProgram program)
    {
        var next = state.NextTierReview;
        if (WinBackDue(state, program) is { } w && (next is null || w < next)) next = w;
        foreach (var lot in state.Lots)
            if (lot.ExpiresAt is { } e && (next is null || e < next))
                next = e;
        return next;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static Decision DecidePurchase(CustomerState state, RecordPurchase p, LoyaltyProgram program)
    {
        if (state.OrdersById.ContainsKey(p.OrderId))
            return new Decision.Rejected(RejectionKind.Invalid, "order_id",
                $"order '{p.OrderId}' is already recorded for this customer under another event_id");
        var multiplier = program.MultiplierOf(state.Tier);
        // Arrays in and out (every reader and the wire format make one; the result is wrapped as it is): a builder's methods
        // or a list interface's enumerator over the line structs would be compiled for this program and run unoptimised
        // through a short replay.
        var input = p.Lines as PurchaseLineInput[] ?? [.. p.Lines];
        var lines = new PurchasedLine[input.Length];
        for (var i = 0; i < input.Length; i++)
        {
            ref readonly var l = ref input[i];
            var (points, rule) = program.Points.PointsFor(l.Qty, l.UnitPrice, l.Category, multiplier);
            lines[i] = new PurchasedLine(l.Sku, l.Category, l.Qty, l.UnitPrice, points, rule);
        }

        return new Decision.Accepted(new PurchaseRecorded(
            p.EventId, p.OccurredAt, p.OrderId, p.Channel, ImmutableCollectionsMarshal.AsImmutableArray(lines), program.Points.Version,
            state.Tier, program.Points.ExpiryOf(p.OccurredAt)));
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static Decision DecideReturn(CustomerState state, RecordReturn r)
    {
        if (!state.OrdersById.TryGetValue(r.OrderId, out var order))
            return new Decision.Accepted(new ReturnHeld(r.EventId, r.OccurredAt, r.OrderId, r.Channel, [.. r.Lines]));
        // Units still returnable per order line; a SKU on several lines is taken from the first line
        // that still has units, so the allocation is deterministic.
        var remaining = new int[order.Lines.Length];
        for (var i = 0; i < remaining.Length; i++) remaining[i] = order.Lines[i].RemainingQty;
        var taken = new int[order.Lines.Length];
        for (var n = 0; n < r.Lines.Count; n++)
        {
            var want = r.Lines[n];
            var left = want.Qty;
            var found = false;
            for (var i = 0; i < order.Lines.Length && left > 0; i++)
            {
                if (!string.Equals(order.Lines[i].Sku, want.Sku, StringComparison.Ordinal)) continue;
                found = true;
                var take = Math.Min(left, remaining[i]);
                remaining[i] -= take;
                taken[i] += take;
                left -= take;
            }

            if (!found)
                return new Decision.Rejected(RejectionKind.Invalid, $"lines[{n}].sku",
                    $"'{want.Sku}' is not in order '{r.OrderId}'");
            if (left > 0)
                return new Decision.Rejected(RejectionKind.Invalid, $"lines[{n}].qty",
                    $"returns {want.Qty} of '{want.Sku}' but only {want.Qty - left} remain returnable in order '{r.OrderId}'");
        }

        var lines = ImmutableArray.CreateBuilder<ReturnedLine>();
        for (var i = 0; i < taken.Length; i++)
        {
            if (taken[i] == 0) continue;
            var line = order.Lines[i];
            lines.Add(new ReturnedLine(i, line.Sku, taken[i], taken[i] * line.UnitPrice, PointsPolicy.PointsToReverse(line, taken[i])));
        }

        return new Decision.Accepted(new ReturnRecorded(r.EventId, r.OccurredAt, r.OrderId, r.Channel, lines.ToImmutable(), order.RuleVersion));
    }

    private static Decision DecideRedeem(CustomerState state, RedeemPoints d)
    {
        if (d.Points <= 0)
            return new Decision.Rejected(RejectionKind.Invalid, "points", $"must be a positive whole number of points, got {d.Points}");
        if (d.Points > state.PointsBalance)
            return new Decision.Rejected(RejectionKind.InsufficientPoints, "points",
                $"redeeming {d.Points} points exceeds the balance of {state.PointsBalance}");
        return new Decision.Accepted(new PointsRedeemed(d.EventId, d.OccurredAt, d.Points, d.Reward));
    }
}
