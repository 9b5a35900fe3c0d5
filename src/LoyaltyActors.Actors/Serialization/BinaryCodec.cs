using System.Collections.Immutable;
using LoyaltyActors.Domain.Customers;
using NodaTime;

namespace LoyaltyActors.Actors.Serialization;

/// <summary>
/// Compact binary layout of every persisted type. Each type has a short manifest with a version
/// suffix; a new layout gets a new manifest and the old reader stays, so old journals keep replaying.
/// Collections are written in sorted order so that equal states produce equal bytes.
/// </summary>
internal static class BinaryCodec
{
    public const string Purchase = "P1";
    public const string Return = "R1";
    public const string View = "V1";
    public const string Review = "W1";
    public const string Redeem = "D1";
    public const string CustomerSnapshot = "S1";

    public static string ManifestOf(object o) => o switch
    {
        PurchaseRecorded => Purchase,
        ReturnRecorded => Return,
        ItemViewed => View,
        ReviewPosted => Review,
        PointsRedeemed => Redeem,
        CustomerState => CustomerSnapshot,
        _ => throw new ArgumentException($"No manifest for {o.GetType().FullName}", nameof(o)),
    };

    public static byte[] Write(object o)
    {
        using var stream = new MemoryStream(128);
        using (var w = new BinaryWriter(stream))
        {
            switch (o)
            {
                case PurchaseRecorded p:
                    WriteHead(w, p);
                    w.Write(p.OrderId);
                    w.Write(p.Channel);
                    w.Write(p.RuleVersion);
                    w.Write(p.Lines.Length);
                    foreach (var l in p.Lines)
                    {
                        w.Write(l.Sku);
                        w.Write(l.Category);
                        w.Write(l.Qty);
                        w.Write(l.UnitPrice);
                        w.Write(l.Points);
                    }

                    break;
                case ReturnRecorded r:
                    WriteHead(w, r);
                    w.Write(r.OrderId);
                    w.Write(r.Channel);
                    w.Write(r.Lines.Length);
                    foreach (var l in r.Lines)
                    {
                        w.Write(l.LineIndex);
                        w.Write(l.Sku);
                        w.Write(l.Qty);
                        w.Write(l.Amount);
                        w.Write(l.Points);
                    }

                    break;
                case ItemViewed v:
                    WriteHead(w, v);
                    w.Write(v.Sku);
                    w.Write(v.DwellSeconds);
                    break;
                case ReviewPosted rv:
                    WriteHead(w, rv);
                    w.Write(rv.Sku);
                    w.Write(rv.Rating);
                    break;
                case PointsRedeemed d:
                    WriteHead(w, d);
                    w.Write(d.Points);
                    w.Write(d.Reward);
                    break;
                case CustomerState s:
                    WriteState(w, s);
                    break;
                default:
                    throw new ArgumentException($"Cannot serialize {o.GetType().FullName}", nameof(o));
            }
        }

        return stream.ToArray();
    }

    public static object Read(byte[] bytes, string manifest)
    {
        using var r = new BinaryReader(new MemoryStream(bytes, writable: false));
        switch (manifest)
        {
            case Purchase:
            {
                var (id, at) = ReadHead(r);
                var orderId = r.ReadString();
                var channel = r.ReadString();
                var version = r.ReadInt32();
                var n = r.ReadInt32();
                var lines = ImmutableArray.CreateBuilder<PurchasedLine>(n);
                for (var i = 0; i < n; i++)
                    lines.Add(new PurchasedLine(r.ReadString(), r.ReadString(), r.ReadInt32(), r.ReadDecimal(), r.ReadInt64()));
                return new PurchaseRecorded(id, at, orderId, channel, lines.MoveToImmutable(), version);
            }

            case Return:
            {
                var (id, at) = ReadHead(r);
                var orderId = r.ReadString();
                var channel = r.ReadString();
                var n = r.ReadInt32();
                var lines = ImmutableArray.CreateBuilder<ReturnedLine>(n);
                for (var i = 0; i < n; i++)
                    lines.Add(new ReturnedLine(r.ReadInt32(), r.ReadString(), r.ReadInt32(), r.ReadDecimal(), r.ReadInt64()));
                return new ReturnRecorded(id, at, orderId, channel, lines.MoveToImmutable());
            }

            case View:
            {
                var (id, at) = ReadHead(r);
                return new ItemViewed(id, at, r.ReadString(), r.ReadDouble());
            }

            case Review:
            {
                var (id, at) = ReadHead(r);
                return new ReviewPosted(id, at, r.ReadString(), r.ReadInt32());
            }

            case Redeem:
            {
                var (id, at) = ReadHead(r);
                return new PointsRedeemed(id, at, r.ReadInt64(), r.ReadString());
            }

            case CustomerSnapshot:
                return ReadState(r);
            default:
                throw new System.Runtime.Serialization.SerializationException(
                    $"Unknown manifest '{manifest}': this journal was written by a newer LoyaltyActors");
        }
    }

    private static void WriteHead(BinaryWriter w, CustomerEvent e)
    {
        w.Write(e.EventId);
        WriteInstant(w, e.OccurredAt);
    }

    private static (string Id, Instant At) ReadHead(BinaryReader r) => (r.ReadString(), ReadInstant(r));

    private static void WriteInstant(BinaryWriter w, Instant instant)
    {
        // Whole seconds plus nanoseconds keep every instant the wire format can carry, exactly.
        var seconds = instant.ToUnixTimeSeconds();
        w.Write(seconds);
        w.Write((int)(instant - Instant.FromUnixTimeSeconds(seconds)).ToInt64Nanoseconds());
    }

    private static Instant ReadInstant(BinaryReader r) =>
        Instant.FromUnixTimeSeconds(r.ReadInt64()).PlusNanoseconds(r.ReadInt32());

    private static void WriteOptionalInstant(BinaryWriter w, Instant? instant)
    {
        w.Write(instant.HasValue);
        if (instant is { } i) WriteInstant(w, i);
    }

    private static Instant? ReadOptionalInstant(BinaryReader r) => r.ReadBoolean() ? ReadInstant(r) : null;

    private static void WriteState(BinaryWriter w, CustomerState s)
    {
        WriteStrings(w, s.EventIds);
        w.Write(s.Orders);
        w.Write(s.GrossSpend);
        w.Write(s.ReturnedAmount);
        w.Write(s.Returns);
        WriteOptionalInstant(w, s.FirstPurchaseAt);
        WriteOptionalInstant(w, s.LastPurchaseAt);
        WriteStrings(w, s.Categories);
        w.Write(s.Views);
        w.Write(s.DwellSeconds);
        w.Write(s.Reviews);
        w.Write(s.RatingSum);
        w.Write(s.PurchaseDays.Count);
        foreach (var (day, spend) in s.PurchaseDays)
        {
            w.Write(day);
            w.Write(spend.Purchases);
            w.Write(spend.Amount);
        }

        w.Write(s.OrdersById.Count);
        foreach (var (orderId, order) in s.OrdersById.OrderBy(o => o.Key, StringComparer.Ordinal))
        {
            w.Write(orderId);
            WriteInstant(w, order.At);
            w.Write(order.Lines.Length);
            foreach (var l in order.Lines)
            {
                w.Write(l.Sku);
                w.Write(l.Qty);
                w.Write(l.UnitPrice);
                w.Write(l.Points);
                w.Write(l.ReturnedQty);
                w.Write(l.PointsReversed);
            }
        }

        w.Write(s.PointsEarned);
        w.Write(s.PointsReversed);
        w.Write(s.PointsRedeemed);
        WriteOptionalInstant(w, s.LastEventAt);
    }

    private static CustomerState ReadState(BinaryReader r)
    {
        var eventIds = ReadStrings(r);
        var orders = r.ReadInt32();
        var gross = r.ReadDecimal();
        var returned = r.ReadDecimal();
        var returns = r.ReadInt32();
        var first = ReadOptionalInstant(r);
        var last = ReadOptionalInstant(r);
        var categories = ReadStrings(r);
        var views = r.ReadInt32();
        var dwell = r.ReadDouble();
        var reviews = r.ReadInt32();
        var ratingSum = r.ReadInt32();
        var days = ImmutableSortedDictionary.CreateBuilder<int, DaySpend>();
        for (int i = 0, n = r.ReadInt32(); i < n; i++)
            days.Add(r.ReadInt32(), new DaySpend(r.ReadInt32(), r.ReadDecimal()));
        var ordersById = ImmutableDictionary.CreateBuilder<string, OrderRecord>(StringComparer.Ordinal);
        for (int i = 0, n = r.ReadInt32(); i < n; i++)
        {
            var orderId = r.ReadString();
            var at = ReadInstant(r);
            var lineCount = r.ReadInt32();
            var lines = ImmutableArray.CreateBuilder<OrderLine>(lineCount);
            for (var j = 0; j < lineCount; j++)
                lines.Add(new OrderLine(r.ReadString(), r.ReadInt32(), r.ReadDecimal(), r.ReadInt64(), r.ReadInt32(), r.ReadInt64()));
            ordersById.Add(orderId, new OrderRecord(at, lines.MoveToImmutable()));
        }

        return new CustomerState(eventIds, orders, gross, returned, returns, first, last, categories, views, dwell,
            reviews, ratingSum, days.ToImmutable(), ordersById.ToImmutable(),
            r.ReadInt64(), r.ReadInt64(), r.ReadInt64(), ReadOptionalInstant(r));
    }

    private static void WriteStrings(BinaryWriter w, ImmutableHashSet<string> set)
    {
        w.Write(set.Count);
        foreach (var s in set.OrderBy(x => x, StringComparer.Ordinal)) w.Write(s);
    }

    private static ImmutableHashSet<string> ReadStrings(BinaryReader r)
    {
        var n = r.ReadInt32();
        var builder = ImmutableHashSet.CreateBuilder<string>(StringComparer.Ordinal);
        for (var i = 0; i < n; i++) builder.Add(r.ReadString());
        return builder.ToImmutable();
    }
}
