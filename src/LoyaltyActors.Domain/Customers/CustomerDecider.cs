using System.Collections.Immutable;

namespace LoyaltyActors.Domain.Customers;

/// <summary>Why a command was refused. <see cref="InsufficientPoints"/> maps to HTTP 409.</summary>
public enum RejectionKind
{
    Invalid,
    UnknownOrder,
    InsufficientPoints,
}

/// <summary>What <see cref="CustomerDecider.Decide"/> made of a command.</summary>
public abstract record Decision
{
    public sealed record Accepted(CustomerEvent Event) : Decision;

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
    public static Decision Decide(CustomerState state, CustomerCommand command, PointsPolicy points)
    {
        if (state.HasSeen(command.EventId)) return Decision.Duplicate.Instance;
        return command switch
        {
            RecordPurchase p => DecidePurchase(state, p, points),
            RecordReturn r => DecideReturn(state, r),
            RecordView v => new Decision.Accepted(new ItemViewed(v.EventId, v.OccurredAt, v.Sku, v.DwellSeconds)),
            RecordReview rv => new Decision.Accepted(new ReviewPosted(rv.EventId, rv.OccurredAt, rv.Sku, rv.Rating)),
            RedeemPoints d => DecideRedeem(state, d),
            _ => throw new ArgumentException($"Unknown command {command.GetType().Name}", nameof(command)),
        };
    }

    private static Decision DecidePurchase(CustomerState state, RecordPurchase p, PointsPolicy points)
    {
        if (state.OrdersById.ContainsKey(p.OrderId))
            return new Decision.Rejected(RejectionKind.Invalid, "order_id",
                $"order '{p.OrderId}' is already recorded for this customer under another event_id");
        var lines = ImmutableArray.CreateBuilder<PurchasedLine>(p.Lines.Count);
        foreach (var l in p.Lines)
            lines.Add(new PurchasedLine(l.Sku, l.Category, l.Qty, l.UnitPrice, points.PointsFor(l.Qty, l.UnitPrice)));
        return new Decision.Accepted(new PurchaseRecorded(
            p.EventId, p.OccurredAt, p.OrderId, p.Channel, lines.MoveToImmutable(), points.Version));
    }

    private static Decision DecideReturn(CustomerState state, RecordReturn r)
    {
        if (!state.OrdersById.TryGetValue(r.OrderId, out var order))
            return new Decision.Rejected(RejectionKind.UnknownOrder, "order_id",
                $"no order '{r.OrderId}' is recorded for this customer");

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

        return new Decision.Accepted(new ReturnRecorded(r.EventId, r.OccurredAt, r.OrderId, r.Channel, lines.ToImmutable()));
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
