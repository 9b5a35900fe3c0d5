using System.Text.Json;
using LoyaltyActors.Domain.Customers;
using NodaTime.Text;

namespace LoyaltyActors.Domain.Wire;

/// <summary>Writes a command back as a wire-format v1 event; <see cref="WireFormat.Read"/> reads it to an equal command.</summary>
public static class WireWriter
{
    public static void Write(Utf8JsonWriter w, CustomerCommand command, string currency)
    {
        w.WriteStartObject();
        w.WriteString("event_id", command.EventId);
        w.WriteString("customer_id", command.CustomerId);
        w.WriteString("occurred_at", InstantPattern.ExtendedIso.Format(command.OccurredAt));
        switch (command)
        {
            case RecordPurchase p:
                w.WriteString("type", WireFormat.Purchase);
                w.WriteString("order_id", p.OrderId);
                if (p.Channel.Length > 0) w.WriteString("channel", p.Channel);
                w.WriteString("currency", currency);
                w.WriteStartArray("lines");
                foreach (var l in p.Lines)
                {
                    w.WriteStartObject();
                    w.WriteString("sku", l.Sku);
                    if (l.Category.Length > 0) w.WriteString("category", l.Category);
                    w.WriteNumber("qty", l.Qty);
                    w.WriteNumber("unit_price", l.UnitPrice);
                    w.WriteEndObject();
                }

                w.WriteEndArray();
                break;
            case RecordReturn r:
                w.WriteString("type", WireFormat.Return);
                w.WriteString("order_id", r.OrderId);
                if (r.Channel.Length > 0) w.WriteString("channel", r.Channel);
                w.WriteString("currency", currency);
                w.WriteStartArray("lines");
                foreach (var l in r.Lines)
                {
                    w.WriteStartObject();
                    w.WriteString("sku", l.Sku);
                    w.WriteNumber("qty", l.Qty);
                    w.WriteEndObject();
                }

                w.WriteEndArray();
                break;
            case RecordView v:
                w.WriteString("type", WireFormat.View);
                w.WriteString("sku", v.Sku);
                w.WriteNumber("dwell_seconds", v.DwellSeconds);
                break;
            case RecordReview rv:
                w.WriteString("type", WireFormat.Review);
                w.WriteString("sku", rv.Sku);
                w.WriteNumber("rating", rv.Rating);
                break;
            case RedeemPoints d:
                w.WriteString("type", WireFormat.Redeem);
                w.WriteNumber("points", d.Points);
                w.WriteString("reward", d.Reward);
                break;
            default:
                throw new ArgumentException($"Unknown command {command.GetType().Name}", nameof(command));
        }

        w.WriteEndObject();
    }
}
