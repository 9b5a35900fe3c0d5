using LoyaltyActors.Domain.Customers;

namespace LoyaltyActors.Domain.Clv;

/// <summary>A command the shadow replay re-decided differently: refused under the other settings.</summary>
public sealed record ShadowRejection(string EventId, string Error);

/// <summary>The customer's state re-decided under other settings, and what was refused on the way.</summary>
public sealed record ShadowResult(CustomerState State, IReadOnlyList<ShadowRejection> Rejections);

/// <summary>
/// Replays a customer's journal into a shadow state under other settings: each recorded event is turned back into the
/// command that caused it and decided again by <see cref="CustomerDecider"/> under the other program, so points are re-earned
/// at the other rate, lots expire, tiers and rewards follow the other rules, and a redemption the shadow balance cannot cover
/// is refused. The program's own derived events (expiry, tiers, rewards, timers, settled returns) are not replayed: the
/// shadow decisions derive their own. Nothing is persisted; the input is not changed.
/// </summary>
public static class ShadowReplay
{
    public static ShadowResult Run(string customerId, IEnumerable<CustomerEvent> journal, LoyaltyProgram program)
    {
        var state = CustomerState.Empty;
        var rejections = new List<ShadowRejection>();
        foreach (var e in journal)
        {
            if (e is ProgramEvent || e is ReturnRecorded { ReconciledFrom: not null }) continue;
            switch (CustomerDecider.Decide(state, CommandOf(customerId, e), program))
            {
                case Decision.Accepted a:
                    state = a.After ?? state.ApplyAll(a.Events);
                    break;
                case Decision.Rejected r:
                    rejections.Add(new ShadowRejection(e.EventId, r.Error));
                    break;
            }
        }

        return new ShadowResult(state, rejections);
    }

    /// <summary>The command that, decided, recorded <paramref name="e"/>.</summary>
    public static CustomerCommand CommandOf(string customerId, CustomerEvent e) => e switch
    {
        PurchaseRecorded p => new RecordPurchase(p.EventId, customerId, p.OccurredAt, p.OrderId, p.Channel,
            p.Lines.Select(l => new PurchaseLineInput(l.Sku, l.Category, l.Qty, l.UnitPrice)).ToArray()),
        ReturnRecorded r => new RecordReturn(r.EventId, customerId, r.OccurredAt, r.OrderId, r.Channel,
            r.Lines.Select(l => new ReturnLineInput(l.Sku, l.Qty)).ToList()),
        ReturnHeld h => new RecordReturn(h.EventId, customerId, h.OccurredAt, h.OrderId, h.Channel, h.Lines),
        ItemViewed v => new RecordView(v.EventId, customerId, v.OccurredAt, v.Sku, v.DwellSeconds),
        ReviewPosted rv => new RecordReview(rv.EventId, customerId, rv.OccurredAt, rv.Sku, rv.Rating),
        PointsRedeemed d => new RedeemPoints(d.EventId, customerId, d.OccurredAt, d.Points, d.Reward),
        _ => throw new ArgumentException($"no command re-derives the event {e.GetType().Name}", nameof(e)),
    };
}
