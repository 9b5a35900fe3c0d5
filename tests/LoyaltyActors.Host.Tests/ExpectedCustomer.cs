namespace LoyaltyActors.Host.Tests;

/// <summary>
/// What a customer's profile must show, computed independently of the engine from the events a test sent:
/// orders, Σ qty × unit price − refunds, ⌊qty × unit price⌋ points per line at 1 point per unit, returns
/// taking back ⌊points × returned units / units⌋ of their line cumulatively (so returning every unit takes
/// back exactly what the line earned), redemptions spending points.
/// </summary>
public sealed class ExpectedCustomer
{
    private readonly Dictionary<string, List<LineState>> _orders = new(StringComparer.Ordinal);
    private readonly HashSet<string> _categories = new(StringComparer.Ordinal);

    public int Orders { get; private set; }
    public decimal Gross { get; private set; }
    public decimal Refunded { get; private set; }
    public int Returns { get; private set; }
    public int Views { get; private set; }
    public long PointsEarned { get; private set; }
    public long PointsReversed { get; private set; }
    public long PointsRedeemed { get; private set; }
    public DateTimeOffset? FirstPurchaseAt { get; private set; }
    public DateTimeOffset? LastPurchaseAt { get; private set; }

    public decimal MonetaryTotal => Gross - Refunded;
    public decimal MonetaryMean => Orders == 0 ? 0m : MonetaryTotal / Orders;
    public long PointsBalance => PointsEarned - PointsReversed - PointsRedeemed;
    public int Variety => _categories.Count;

    public void Purchase(string orderId, string occurredAt, params SentLine[] lines)
    {
        var at = DateTimeOffset.Parse(occurredAt, System.Globalization.CultureInfo.InvariantCulture);
        Orders++;
        FirstPurchaseAt = FirstPurchaseAt is { } f && f <= at ? f : at;
        LastPurchaseAt = LastPurchaseAt is { } l && l >= at ? l : at;
        var state = new List<LineState>();
        foreach (var line in lines)
        {
            var amount = line.Qty * line.UnitPrice;
            var points = (long)decimal.Floor(amount);
            Gross += amount;
            PointsEarned += points;
            if (line.Category.Length > 0) _categories.Add(line.Category);
            state.Add(new LineState(line, points));
        }

        _orders.Add(orderId, state);
    }

    public void Return(string orderId, params (string Sku, int Qty)[] lines)
    {
        Returns++;
        foreach (var (sku, qty) in lines)
        {
            var left = qty;
            foreach (var line in _orders[orderId].Where(l => l.Line.Sku == sku))
            {
                var take = Math.Min(left, line.Line.Qty - line.Returned);
                if (take == 0) continue;
                var before = line.Points * line.Returned / line.Line.Qty;
                line.Returned += take;
                PointsReversed += line.Points * line.Returned / line.Line.Qty - before;
                Refunded += take * line.Line.UnitPrice;
                left -= take;
            }

            if (left != 0) throw new InvalidOperationException($"the test returns more {sku} than order {orderId} holds");
        }
    }

    public void View() => Views++;

    public void Redeem(long points) => PointsRedeemed += points;

    private sealed class LineState(SentLine line, long points)
    {
        public SentLine Line { get; } = line;
        public long Points { get; } = points;
        public int Returned { get; set; }
    }
}
