using System.Collections.Immutable;
using NodaTime;

namespace LoyaltyActors.Domain.Customers;

/// <summary>One line of a recorded order and how much of it has gone back.</summary>
public sealed record OrderLine(string Sku, int Qty, decimal UnitPrice, long Points, int ReturnedQty, long PointsReversed)
{
    public int RemainingQty => Qty - ReturnedQty;
}

/// <summary>An order kept so that returns can be checked and their points reversed exactly.</summary>
public sealed record OrderRecord(Instant At, ImmutableArray<OrderLine> Lines);

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
    ImmutableSortedDictionary<int, DaySpend> PurchaseDays,
    ImmutableDictionary<string, OrderRecord> OrdersById,
    long PointsEarned,
    long PointsReversed,
    long PointsRedeemed,
    Instant? LastEventAt)
{
    public static CustomerState Empty { get; } = new(
        ImmutableHashSet<string>.Empty.WithComparer(StringComparer.Ordinal), 0, 0m, 0m, 0, null, null,
        ImmutableHashSet<string>.Empty.WithComparer(StringComparer.Ordinal), 0, 0d, 0, 0,
        ImmutableSortedDictionary<int, DaySpend>.Empty,
        ImmutableDictionary<string, OrderRecord>.Empty.WithComparers(StringComparer.Ordinal),
        0L, 0L, 0L, null);

    /// <summary>Number of events recorded.</summary>
    public int EventCount => EventIds.Count;

    /// <summary>Net spend: gross purchases minus refunds.</summary>
    public decimal NetSpend => GrossSpend - ReturnedAmount;

    /// <summary>Points that can be redeemed now.</summary>
    public long PointsBalance => PointsEarned - PointsReversed - PointsRedeemed;

    public bool HasSeen(string eventId) => EventIds.Contains(eventId);

    /// <summary>The state after <paramref name="evt"/>. Throws for an event type it does not know.</summary>
    public CustomerState Apply(CustomerEvent evt)
    {
        var next = evt switch
        {
            PurchaseRecorded p => ApplyPurchase(p),
            ReturnRecorded r => ApplyReturn(r),
            ItemViewed v => this with { Views = Views + 1, DwellSeconds = DwellSeconds + v.DwellSeconds },
            ReviewPosted rv => this with { Reviews = Reviews + 1, RatingSum = RatingSum + rv.Rating },
            PointsRedeemed d => this with { PointsRedeemed = PointsRedeemed + d.Points },
            _ => throw new ArgumentException($"Unknown customer event {evt.GetType().Name}", nameof(evt)),
        };
        return next with
        {
            EventIds = EventIds.Add(evt.EventId),
            LastEventAt = LastEventAt is { } last && last > evt.OccurredAt ? last : evt.OccurredAt,
        };
    }

    /// <summary>Folds events, in order, onto this state.</summary>
    public CustomerState ApplyAll(IEnumerable<CustomerEvent> events)
    {
        var state = this;
        foreach (var e in events) state = state.Apply(e);
        return state;
    }

    private CustomerState ApplyPurchase(PurchaseRecorded p)
    {
        var day = EpochDays.Of(p.OccurredAt);
        var amount = p.Amount;
        var dayBefore = PurchaseDays.TryGetValue(day, out var d) ? d : default;
        var categories = Categories;
        var lines = ImmutableArray.CreateBuilder<OrderLine>(p.Lines.Length);
        foreach (var line in p.Lines)
        {
            if (line.Category.Length > 0) categories = categories.Add(line.Category);
            lines.Add(new OrderLine(line.Sku, line.Qty, line.UnitPrice, line.Points, 0, 0));
        }

        return this with
        {
            Orders = Orders + 1,
            GrossSpend = GrossSpend + amount,
            FirstPurchaseAt = FirstPurchaseAt is { } f && f <= p.OccurredAt ? f : p.OccurredAt,
            LastPurchaseAt = LastPurchaseAt is { } l && l >= p.OccurredAt ? l : p.OccurredAt,
            Categories = categories,
            PurchaseDays = PurchaseDays.SetItem(day, new DaySpend(dayBefore.Purchases + 1, dayBefore.Amount + amount)),
            OrdersById = OrdersById.SetItem(p.OrderId, new OrderRecord(p.OccurredAt, lines.MoveToImmutable())),
            PointsEarned = PointsEarned + p.Points,
        };
    }

    private CustomerState ApplyReturn(ReturnRecorded r)
    {
        var order = OrdersById[r.OrderId];
        var lines = order.Lines.ToBuilder();
        foreach (var back in r.Lines)
        {
            var line = lines[back.LineIndex];
            lines[back.LineIndex] = line with
            {
                ReturnedQty = line.ReturnedQty + back.Qty,
                PointsReversed = line.PointsReversed + back.Points,
            };
        }

        return this with
        {
            Returns = Returns + 1,
            ReturnedAmount = ReturnedAmount + r.Amount,
            OrdersById = OrdersById.SetItem(r.OrderId, order with { Lines = lines.MoveToImmutable() }),
            PointsReversed = PointsReversed + r.Points,
        };
    }
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
