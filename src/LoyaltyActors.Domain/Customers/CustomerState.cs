using System.Collections.Immutable;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using NodaTime;

namespace LoyaltyActors.Domain.Customers;

/// <summary>One line of a recorded order and how much of it has gone back.</summary>
/// <remarks>A struct held inline in its order's array: a customer keeps every order line for as long as it may come back.</remarks>
public readonly record struct OrderLine(string Sku, int Qty, decimal UnitPrice, long Points, int ReturnedQty, long PointsReversed)
{
    public int RemainingQty => Qty - ReturnedQty;
}

/// <summary>An order kept so that returns can be checked and their points reversed exactly (under <see cref="RuleVersion"/>).</summary>
/// <remarks>
/// The lines as bought are the purchase event's own array, shared rather than copied: a copy per purchase was the largest
/// allocation of applying one (a replay of Online Retail: 19 MB of 160). What has gone back is kept beside them, a pair of
/// numbers per line, from the order's first return on.
/// </remarks>
public sealed class OrderRecord
{
    private readonly ImmutableArray<PurchasedLine> _bought;
    private readonly LineBack[]? _back; // null while nothing has gone back

    /// <summary>An order of <paramref name="lines"/> (a snapshot's, or a test's), each with what has gone back of it.</summary>
    public OrderRecord(Instant at, ImmutableArray<OrderLine> lines, int ruleVersion = 0)
    {
        var bought = new PurchasedLine[lines.Length];
        LineBack[]? back = null;
        for (var i = 0; i < bought.Length; i++)
        {
            var line = lines[i];
            bought[i] = new PurchasedLine(line.Sku, "", line.Qty, line.UnitPrice, line.Points);
            if (line.ReturnedQty != 0 || line.PointsReversed != 0)
                (back ??= new LineBack[bought.Length])[i] = new LineBack(line.ReturnedQty, line.PointsReversed);
        }

        (At, RuleVersion, _bought, _back) = (at, ruleVersion, ImmutableCollectionsMarshal.AsImmutableArray(bought), back);
    }

    /// <summary>The order of a purchase, its lines the event's own.</summary>
    internal OrderRecord(PurchaseRecorded purchase) : this(purchase.OccurredAt, purchase.RuleVersion, purchase.Lines, null)
    {
    }

    private OrderRecord(Instant at, int ruleVersion, ImmutableArray<PurchasedLine> bought, LineBack[]? back) =>
        (At, RuleVersion, _bought, _back) = (at, ruleVersion, bought, back);

    public Instant At { get; }

    public int RuleVersion { get; }

    /// <summary>The order's lines as bought, each with what has gone back of it.</summary>
    public OrderLines Lines => new(_bought, _back);

    /// <summary>This order after <paramref name="lines"/> went back (this one is unchanged).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal OrderRecord WithReturned(ImmutableArray<ReturnedLine> lines)
    {
        var back = _back is null ? new LineBack[_bought.Length] : (LineBack[])_back.Clone();
        foreach (var line in lines)
        {
            ref var b = ref back[line.LineIndex];
            b = new LineBack(b.Qty + line.Qty, b.Points + line.Points);
        }

        return new OrderRecord(At, RuleVersion, _bought, back);
    }
}

/// <summary>Units of an order line gone back, and the points reversed for them.</summary>
internal readonly record struct LineBack(int Qty, long Points);

/// <summary>The lines of an <see cref="OrderRecord"/>, read in place.</summary>
public readonly struct OrderLines : IReadOnlyList<OrderLine>
{
    private readonly ImmutableArray<PurchasedLine> _bought;
    private readonly LineBack[]? _back;

    internal OrderLines(ImmutableArray<PurchasedLine> bought, LineBack[]? back) => (_bought, _back) = (bought, back);

    public int Length => _bought.Length;

    int IReadOnlyCollection<OrderLine>.Count => _bought.Length;

    public OrderLine this[int index]
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get
        {
            var bought = _bought[index];
            var back = _back is null ? default : _back[index];
            return new OrderLine(bought.Sku, bought.Qty, bought.UnitPrice, bought.Points, back.Qty, back.Points);
        }
    }

    public Enumerator GetEnumerator() => new(this);

    IEnumerator<OrderLine> IEnumerable<OrderLine>.GetEnumerator() => GetEnumerator();

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();

    public struct Enumerator(OrderLines lines) : IEnumerator<OrderLine>
    {
        private int _index = -1;

        public readonly OrderLine Current => lines[_index];

        readonly object System.Collections.IEnumerator.Current => Current;

        public bool MoveNext() => ++_index < lines.Length;

        public void Reset() => _index = -1;

        public readonly void Dispose()
        {
        }
    }
}

/// <summary>The points one order earned (<paramref name="Points"/>) and what is left of them to spend.</summary>
public sealed record PointsLot(string OrderId, Instant EarnedAt, Instant? ExpiresAt, long Points, long Remaining);

/// <summary>A reward this customer was issued.</summary>
public sealed record IssuedReward(string EventId, Instant At, string RuleId, int RuleVersion, string Reward);

/// <summary>All purchases of one UTC calendar day: how many and their summed gross amount.</summary>
public readonly record struct DaySpend(int Purchases, decimal Amount);

/// <summary>
/// A customer's state: a pure left fold of its journal (<see cref="Apply"/>). Every counter
/// updates in O(log n) per event; derived figures (scores, summaries) are computed on read by
/// <see cref="CustomerProfileBuilder"/> and <see cref="LifetimesSummaries"/>.
/// </summary>
/// <param name="EventIds">Every event id recorded, the idempotency keys.</param>
/// <param name="Orders">Number of purchase events (orders).</param>
/// <param name="GrossSpend">Σ qty × unit price over all purchases.</param>
/// <param name="ReturnedAmount">Σ refunded amounts over all returns.</param>
/// <param name="Returns">Number of return events.</param>
/// <param name="Categories">Distinct non-empty categories ever bought (variety).</param>
/// <param name="PurchaseDays">Purchases per UTC day, keyed by days since 1970-01-01.</param>
/// <param name="OrdersById">Recorded orders by order id.</param>
public sealed record CustomerState(
    ImmutableHashSet<string> EventIds,
    int Orders,
    decimal GrossSpend,
    decimal ReturnedAmount,
    int Returns,
    Instant? FirstPurchaseAt,
    Instant? LastPurchaseAt,
    ImmutableHashSet<string> Categories,
    int Views,
    double DwellSeconds,
    int Reviews,
    int RatingSum,
    PurchaseDayTable PurchaseDays,
    ImmutableDictionary<string, OrderRecord> OrdersById,
    long PointsEarned,
    long PointsReversed,
    long PointsRedeemed,
    Instant? LastEventAt)
{
    // How the state is kept (the properties are unchanged): customers are held awake by the hundred thousand, most
    // with a handful of events, so the two string sets are kept small while small (see SmallStringSet) and what few
    // customers ever have (returns, redemptions, tier history, held returns, rewards) sits in one Seldom part,
    // shared by every customer that has none of it.
    private object? _eventIds = SmallStringSet.From(EventIds);
    private object? _categories = SmallStringSet.From(Categories);
    private Seldom _seldom = Seldom.Of(ReturnedAmount, Returns, PointsReversed, PointsRedeemed);

    /// <summary>Every event id recorded, the idempotency keys.</summary>
    public ImmutableHashSet<string> EventIds { get => SmallStringSet.ToSet(_eventIds); init => _eventIds = SmallStringSet.From(value); }

    /// <summary>Distinct non-empty categories ever bought (variety).</summary>
    public ImmutableHashSet<string> Categories { get => SmallStringSet.ToSet(_categories); init => _categories = SmallStringSet.From(value); }

    /// <summary>How many distinct categories (<see cref="Categories"/>.Count without building the set).</summary>
    public int CategoryCount => SmallStringSet.Count(_categories);

    public decimal ReturnedAmount
    {
        get => _seldom.ReturnedAmount;
        init { if (!Seldom.Same(value, _seldom.ReturnedAmount)) _seldom = _seldom with { ReturnedAmount = value }; }
    }

    public int Returns
    {
        get => _seldom.Returns;
        init { if (value != _seldom.Returns) _seldom = _seldom with { Returns = value }; }
    }

    public long PointsReversed
    {
        get => _seldom.PointsReversed;
        init { if (value != _seldom.PointsReversed) _seldom = _seldom with { PointsReversed = value }; }
    }

    public long PointsRedeemed
    {
        get => _seldom.PointsRedeemed;
        init { if (value != _seldom.PointsRedeemed) _seldom = _seldom with { PointsRedeemed = value }; }
    }

    public static CustomerState Empty { get; } = new(
        ImmutableHashSet<string>.Empty.WithComparer(StringComparer.Ordinal), 0, 0m, 0m, 0, null, null,
        ImmutableHashSet<string>.Empty.WithComparer(StringComparer.Ordinal), 0, 0d, 0, 0,
        PurchaseDayTable.Empty,
        ImmutableDictionary<string, OrderRecord>.Empty.WithComparers(StringComparer.Ordinal),
        0L, 0L, 0L, null);

    /// <summary>Live points lots (remaining &gt; 0), oldest first: redemptions spend them in this order.</summary>
    public ImmutableArray<PointsLot> Lots { get; init; } = ImmutableArray<PointsLot>.Empty;

    /// <summary>Points taken back by returns beyond what the lots held; paid first from new earnings.</summary>
    public long PointsDebt
    {
        get => _seldom.PointsDebt;
        init { if (value != _seldom.PointsDebt) _seldom = _seldom with { PointsDebt = value }; }
    }

    /// <summary>Σ points that expired.</summary>
    public long PointsExpired
    {
        get => _seldom.PointsExpired;
        init { if (value != _seldom.PointsExpired) _seldom = _seldom with { PointsExpired = value }; }
    }

    public string Tier { get; init; } = TierNames.Base;

    /// <summary>When the current tier was set (null for the base tier a customer starts in).</summary>
    public Instant? TierSince
    {
        get => _seldom.TierSince;
        init { if (value != _seldom.TierSince) _seldom = _seldom with { TierSince = value }; }
    }

    /// <summary>When the tier is next reviewed (downgrades happen only then).</summary>
    public Instant? NextTierReview
    {
        get => _seldom.NextTierReview;
        init { if (value != _seldom.NextTierReview) _seldom = _seldom with { NextTierReview = value }; }
    }

    /// <summary>Refunded amounts by the UTC day of the order they refund (for trailing spend).</summary>
    public ImmutableSortedDictionary<int, decimal> ReturnedByOrderDay
    {
        get => _seldom.ReturnedByOrderDay;
        init { if (value != _seldom.ReturnedByOrderDay) _seldom = _seldom with { ReturnedByOrderDay = value }; }
    }

    /// <summary>Returns that arrived before their order, by order id, in arrival order.</summary>
    public ImmutableDictionary<string, ImmutableArray<ReturnHeld>> PendingReturns
    {
        get => _seldom.PendingReturns;
        init { if (value != _seldom.PendingReturns) _seldom = _seldom with { PendingReturns = value }; }
    }

    /// <summary>Held returns that could not apply to their order when it arrived.</summary>
    public int DiscardedReturns
    {
        get => _seldom.DiscardedReturns;
        init { if (value != _seldom.DiscardedReturns) _seldom = _seldom with { DiscardedReturns = value }; }
    }

    /// <summary>Rewards issued, in order.</summary>
    public ImmutableArray<IssuedReward> Rewards
    {
        get => _seldom.Rewards;
        init { if (value != _seldom.Rewards) _seldom = _seldom with { Rewards = value }; }
    }

    /// <summary>When this customer's persisted timer wakes it next, or null.</summary>
    public Instant? WakeUpAt { get; init; }

    /// <summary>Number of events recorded.</summary>
    public int EventCount => SmallStringSet.Count(_eventIds);

    /// <summary>Net spend: gross purchases minus refunds.</summary>
    public decimal NetSpend => GrossSpend - ReturnedAmount;

    /// <summary>
    /// Points that can be redeemed now: Σ of the live lots minus the debt, which always equals earned − reversed −
    /// redeemed − expired.
    /// </summary>
    public long PointsBalance
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        get
        {
            long sum = 0;
            foreach (var lot in Lots) sum += lot.Remaining;
            return sum - PointsDebt;
        }
    }

    /// <summary>
    /// Net spend of the trailing <paramref name="window"/> ending at <paramref name="at"/>, by UTC day: purchases of
    /// the days after the day of (<paramref name="at"/> − window) up to the day of <paramref name="at"/>, minus what
    /// returns refunded of orders of those days.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public decimal TrailingSpend(Instant at, Period window)
    {
        var from = EpochDays.Of(Calendar.Minus(at, window));
        var to = EpochDays.Of(at);
        var spend = PurchaseDays.AmountBetween(from, to);
        var returned = ReturnedByOrderDay;
        if (returned.IsEmpty) return spend; // most customers: no enumerator of the tree made

        foreach (var (day, amount) in returned)
        {
            if (day > to) break;
            if (day > from) spend -= amount;
        }

        return spend;
    }

    public bool HasSeen(string eventId) => SmallStringSet.Contains(_eventIds, eventId);

    /// <summary>The state after <paramref name="evt"/>. Throws for an event type it does not know.</summary>
    /// <remarks>
    /// The bookkeeping every event carries (its id among those seen, the latest event instant) goes into the same copy
    /// as the event's own change where that change is one copy: a purchase or a wake-up is one new state, not three or two.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public CustomerState Apply(CustomerEvent evt)
    {
        if (evt is CustomerErased) return Empty;
        var seen = evt is ProgramEvent ? _eventIds : SmallStringSet.Add(_eventIds, evt.EventId);
        var lastAt = LastEventAt is { } last && last > evt.OccurredAt ? last : evt.OccurredAt;
        switch (evt)
        {
            case PurchaseRecorded p:
                return ApplyPurchase(p, seen, lastAt);
            case ItemViewed v:
                return this with { Views = Views + 1, DwellSeconds = DwellSeconds + v.DwellSeconds, _eventIds = seen, LastEventAt = lastAt };
            case ReviewPosted rv:
                return this with { Reviews = Reviews + 1, RatingSum = RatingSum + rv.Rating, _eventIds = seen, LastEventAt = lastAt };
            case ReturnHeld h:
                return this with
                {
                    PendingReturns = PendingReturns.SetItem(h.OrderId,
                        PendingReturns.TryGetValue(h.OrderId, out var held) ? held.Add(h) : [h]),
                    _eventIds = seen,
                    LastEventAt = lastAt,
                };
            case TierChanged t:
                return this with
                {
                    Tier = t.To,
                    TierSince = string.Equals(t.From, t.To, StringComparison.Ordinal) ? TierSince : t.OccurredAt,
                    NextTierReview = t.NextReviewAt,
                    _eventIds = seen,
                    LastEventAt = lastAt,
                };
            case RewardIssued rw:
                return this with
                {
                    Rewards = Rewards.Add(new IssuedReward(rw.EventId, rw.OccurredAt, rw.RuleId, rw.RuleVersion, rw.Reward)),
                    _eventIds = seen,
                    LastEventAt = lastAt,
                };
            case WakeUpScheduled w:
                return this with { WakeUpAt = w.At, _eventIds = seen, LastEventAt = lastAt };
        }

        var next = evt switch
        {
            ReturnRecorded r => ApplyReturn(r),
            PointsRedeemed d => Spend(d.Points, preferOrder: null) with { PointsRedeemed = PointsRedeemed + d.Points },
            PointsExpired x => ApplyExpiry(x),
            HeldReturnDiscarded hd => WithoutHeld(hd.OrderId, hd.HeldEventId) with { DiscardedReturns = DiscardedReturns + 1 },
            _ => throw new ArgumentException($"Unknown customer event {evt.GetType().Name}", nameof(evt)),
        };
        return next with { _eventIds = seen, LastEventAt = lastAt };
    }

    /// <summary>Folds events, in order, onto this state.</summary>
    public CustomerState ApplyAll(IEnumerable<CustomerEvent> events)
    {
        var state = this;
        foreach (var e in events) state = state.Apply(e);
        return state;
    }

    /// <summary>A purchase, and its points as a lot (an outstanding debt is paid from them first), in one copy.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private CustomerState ApplyPurchase(PurchaseRecorded p, object? seen, Instant lastAt)
    {
        var day = EpochDays.Of(p.OccurredAt);
        var amount = p.Amount;
        var categories = _categories;
        foreach (var line in p.Lines)
            if (line.Category.Length > 0) categories = SmallStringSet.Add(categories, line.Category);

        var points = p.Points;
        var pay = Math.Min(points, PointsDebt);
        var lots = Lots;
        if (points - pay > 0)
        {
            var lot = new PointsLot(p.OrderId, p.OccurredAt, p.ExpiresAt, points, points - pay);
            lots = lots.Insert(InsertAt(lots, lot), lot);
        }

        return this with
        {
            Orders = Orders + 1,
            GrossSpend = GrossSpend + amount,
            FirstPurchaseAt = FirstPurchaseAt is { } f && f <= p.OccurredAt ? f : p.OccurredAt,
            LastPurchaseAt = LastPurchaseAt is { } l && l >= p.OccurredAt ? l : p.OccurredAt,
            _categories = categories,
            PurchaseDays = PurchaseDays.AddPurchase(day, amount),
            OrdersById = OrdersById.SetItem(p.OrderId, new OrderRecord(p)),
            PointsEarned = PointsEarned + points,
            PointsDebt = PointsDebt - pay,
            Lots = lots,
            _eventIds = seen,
            LastEventAt = lastAt,
        };
    }

    /// <summary>
    /// Where <paramref name="lot"/> goes in <paramref name="lots"/> (kept in spending order): after every lot that spends
    /// before it. A binary search: a customer has a lot per purchase, and lots earned at one instant (a batch of a till's
    /// day) are told apart by their order ids, a string comparison each.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int InsertAt(ImmutableArray<PointsLot> lots, PointsLot lot)
    {
        int low = 0, high = lots.Length; // lots[..low] spend before it, lots[high..] do not
        while (low < high)
        {
            var mid = (low + high) >>> 1;
            if (SpendsBefore(lots[mid], lot)) low = mid + 1;
            else high = mid;
        }

        return low;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static bool SpendsBefore(PointsLot a, PointsLot b) =>
        a.EarnedAt < b.EarnedAt || (a.EarnedAt == b.EarnedAt && string.CompareOrdinal(a.OrderId, b.OrderId) <= 0);

    /// <summary>
    /// Takes <paramref name="points"/> from the lots: the lot of <paramref name="preferOrder"/> first (a return
    /// reverses its own order's points), then the oldest; what the lots cannot cover becomes debt.
    /// </summary>
    private CustomerState Spend(long points, string? preferOrder)
    {
        if (points <= 0) return this;
        var lots = Lots.ToBuilder();
        var left = points;
        if (preferOrder is not null)
        {
            var i = IndexOfLot(preferOrder);
            if (i >= 0) left = Take(lots, i, left);
        }

        for (var i = 0; i < lots.Count && left > 0;)
        {
            var before = lots.Count;
            left = Take(lots, i, left);
            if (lots.Count == before) i++;
        }

        return this with { Lots = lots.ToImmutable(), PointsDebt = PointsDebt + left };
    }

    /// <summary>Takes up to <paramref name="left"/> from lot <paramref name="i"/> (removing it when emptied); returns what is still to take.</summary>
    private static long Take(ImmutableArray<PointsLot>.Builder lots, int i, long left)
    {
        var lot = lots[i];
        var take = Math.Min(left, lot.Remaining);
        if (take == lot.Remaining) lots.RemoveAt(i);
        else lots[i] = lot with { Remaining = lot.Remaining - take };
        return left - take;
    }

    private CustomerState ApplyExpiry(PointsExpired x)
    {
        var i = IndexOfLot(x.LotOrderId);
        if (i < 0) return this with { PointsExpired = PointsExpired + x.Points, PointsDebt = PointsDebt + x.Points };
        var builder = Lots.ToBuilder();
        var left = Take(builder, i, x.Points);
        return this with { Lots = builder.ToImmutable(), PointsExpired = PointsExpired + x.Points, PointsDebt = PointsDebt + left };
    }

    /// <summary>The position of the live lot of order <paramref name="orderId"/>, or −1.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public int IndexOfLot(string orderId)
    {
        for (var i = 0; i < Lots.Length; i++)
            if (string.Equals(Lots[i].OrderId, orderId, StringComparison.Ordinal)) return i;
        return -1;
    }

    private CustomerState WithoutHeld(string orderId, string heldEventId)
    {
        if (!PendingReturns.TryGetValue(orderId, out var held)) return this;
        var rest = held.RemoveAll(h => string.Equals(h.EventId, heldEventId, StringComparison.Ordinal));
        return this with { PendingReturns = rest.IsEmpty ? PendingReturns.Remove(orderId) : PendingReturns.SetItem(orderId, rest) };
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private CustomerState ApplyReturn(ReturnRecorded r)
    {
        var order = OrdersById[r.OrderId];

        var orderDay = EpochDays.Of(order.At);
        var next = this with
        {
            Returns = Returns + 1,
            ReturnedAmount = ReturnedAmount + r.Amount,
            OrdersById = OrdersById.SetItem(r.OrderId, order.WithReturned(r.Lines)),
            PointsReversed = PointsReversed + r.Points,
            ReturnedByOrderDay = ReturnedByOrderDay.SetItem(orderDay,
                (ReturnedByOrderDay.TryGetValue(orderDay, out var before) ? before : 0m) + r.Amount),
        };
        next = next.Spend(r.Points, r.OrderId);
        return r.ReconciledFrom is { } held ? next.WithoutHeld(r.OrderId, held) : next;
    }
}

/// <summary>
/// The part of a customer's state few customers ever have; <see cref="None"/> is shared by all that have none of it.
/// </summary>
internal sealed record Seldom(
    decimal ReturnedAmount,
    int Returns,
    long PointsReversed,
    long PointsRedeemed,
    long PointsDebt,
    long PointsExpired,
    Instant? TierSince,
    Instant? NextTierReview,
    ImmutableSortedDictionary<int, decimal> ReturnedByOrderDay,
    ImmutableDictionary<string, ImmutableArray<ReturnHeld>> PendingReturns,
    int DiscardedReturns,
    ImmutableArray<IssuedReward> Rewards)
{
    public static Seldom None { get; } = new(0m, 0, 0L, 0L, 0L, 0L, null, null,
        ImmutableSortedDictionary<int, decimal>.Empty,
        ImmutableDictionary<string, ImmutableArray<ReturnHeld>>.Empty.WithComparers(StringComparer.Ordinal),
        0, ImmutableArray<IssuedReward>.Empty);

    /// <summary>The part of a state built from its positional values: <see cref="None"/> when they are all zero.</summary>
    public static Seldom Of(decimal returnedAmount, int returns, long pointsReversed, long pointsRedeemed) =>
        Same(returnedAmount, 0m) && returns == 0 && pointsReversed == 0 && pointsRedeemed == 0
            ? None
            : None with { ReturnedAmount = returnedAmount, Returns = returns, PointsReversed = pointsReversed, PointsRedeemed = pointsRedeemed };

    /// <summary>Equal and written the same (0m and 0.00m are equal but not the same value to keep).</summary>
    public static bool Same(decimal a, decimal b) => a == b && a.Scale == b.Scale;
}

/// <summary>UTC calendar days counted from 1970-01-01 (day 0, a Thursday).</summary>
public static class EpochDays
{
    public static int Of(Instant instant)
    {
        var ticks = instant.ToUnixTimeTicks();
        var days = ticks / NodaConstants.TicksPerDay;
        if (ticks % NodaConstants.TicksPerDay < 0) days--;
        return (int)days;
    }

    public static int Of(LocalDate date) => Period.DaysBetween(new LocalDate(1970, 1, 1), date);

    public static LocalDate ToDate(int epochDay) => new LocalDate(1970, 1, 1).PlusDays(epochDay);

    /// <summary>The Monday that starts the ISO week (Monday–Sunday) containing <paramref name="epochDay"/>.</summary>
    public static int WeekStart(int epochDay) => epochDay - (((epochDay + 3) % 7) + 7) % 7;
}
