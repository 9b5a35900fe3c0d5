using System.Collections.Immutable;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using LoyaltyActors.Domain.Customers;
using LoyaltyActors.Domain.Wire;
using NodaTime;

namespace LoyaltyActors.Actors.Serialization;

/// <summary>
/// Compact binary layout of every persisted type. Each type has a short manifest with a version
/// suffix; a new layout gets a new manifest and the old reader stays, so old journals keep replaying.
/// Collections are written in sorted order so that equal states produce equal bytes.
/// </summary>
internal static class BinaryCodec
{
    public const string PurchaseV1 = "P1";
    public const string PurchaseV2 = "P2";
    public const string Purchase = "P3";
    public const string ReturnV1 = "R1";
    public const string Return = "R2";
    public const string View = "V1";
    public const string Review = "W1";
    public const string Redeem = "D1";
    public const string Held = "H1";
    public const string Expired = "X1";
    public const string Tier = "T1";
    public const string Reward = "G1";
    public const string WakeUp = "K1";
    public const string Discarded = "Q1";
    public const string Erased = "E1";
    public const string CustomerSnapshotV1 = "S1";
    public const string CustomerSnapshot = "S2";

    public static string ManifestOf(object o) => o switch
    {
        PurchaseRecorded => Purchase,
        ReturnRecorded => Return,
        ItemViewed => View,
        ReviewPosted => Review,
        PointsRedeemed => Redeem,
        ReturnHeld => Held,
        PointsExpired => Expired,
        TierChanged => Tier,
        RewardIssued => Reward,
        WakeUpScheduled => WakeUp,
        HeldReturnDiscarded => Discarded,
        CustomerErased => Erased,
        CustomerState => CustomerSnapshot,
        _ => throw new ArgumentException($"No manifest for {o.GetType().FullName}", nameof(o)),
    };

    public static byte[] Write(object o)
    {
        if (o is PurchaseRecorded purchase)
        {
            var sink = new ByteSink(128);
            WritePurchase(sink, purchase);
            return sink.Written.ToArray();
        }

        using var stream = new MemoryStream(128);
        using (var w = new BinaryWriter(stream)) WriteBody(w, o);
        return stream.ToArray();
    }

    /// <summary>
    /// A reusable encoder for one thread (the bulk replay's writer): <see cref="Encode"/> returns the bytes <see cref="Write"/>
    /// would, in its own buffer, valid until the next call. No stream, writer and array per event.
    /// </summary>
    public sealed class Encoder
    {
        private readonly MemoryStream _stream = new(256);
        private readonly BinaryWriter _writer;
        private readonly ByteSink _sink = new(1024);

        public Encoder() => _writer = new BinaryWriter(_stream);

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public ReadOnlySpan<byte> Encode(object o)
        {
            if (o is PurchaseRecorded purchase)
            {
                _sink.Clear();
                WritePurchase(_sink, purchase);
                return _sink.Written;
            }

            _stream.SetLength(0);
            WriteBody(_writer, o);
            _writer.Flush();
            return _stream.GetBuffer().AsSpan(0, (int)_stream.Length);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void WriteBody(BinaryWriter w, object o)
    {
        switch (o)
        {
            case PurchaseRecorded p:
            {
                // Written by Write and the Encoder without this writer; here only for completeness.
                var sink = new ByteSink(128);
                WritePurchase(sink, p);
                w.Write(sink.Written);
                break;
            }
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

                w.Write(r.RuleVersion);
                WriteOptionalString(w, r.ReconciledFrom);
                break;
            case ReturnHeld h:
                WriteHead(w, h);
                w.Write(h.OrderId);
                w.Write(h.Channel);
                w.Write(h.Lines.Length);
                foreach (var l in h.Lines)
                {
                    w.Write(l.Sku);
                    w.Write(l.Qty);
                }

                break;
            case PointsExpired x:
                WriteHead(w, x);
                w.Write(x.LotOrderId);
                w.Write(x.Points);
                w.Write(x.RuleVersion);
                break;
            case TierChanged t:
                WriteHead(w, t);
                w.Write(t.From);
                w.Write(t.To);
                w.Write(t.TrailingSpend);
                w.Write(t.Reason);
                WriteOptionalInstant(w, t.NextReviewAt);
                break;
            case RewardIssued g:
                WriteHead(w, g);
                w.Write(g.RuleId);
                w.Write(g.RuleVersion);
                w.Write(g.Reward);
                w.Write(g.Trigger);
                break;
            case WakeUpScheduled k:
                WriteHead(w, k);
                WriteOptionalInstant(w, k.At);
                break;
            case CustomerErased x:
                WriteHead(w, x);
                break;
            case HeldReturnDiscarded q:
                WriteHead(w, q);
                w.Write(q.OrderId);
                w.Write(q.HeldEventId);
                w.Write(q.Reason);
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

    public static object Read(byte[] bytes, string manifest)
    {
        using var r = new BinaryReader(new MemoryStream(bytes, writable: false));
        switch (manifest)
        {
            case Purchase:
            {
                var (id, at) = ReadHead(r);
                var orderId = r.ReadString();
                var channel = Shared(r);
                var version = r.Read7BitEncodedInt();
                var tier = Shared(r);
                var expiresAt = ReadOptionalInstant(r);
                var lines = new PurchasedLine[r.Read7BitEncodedInt()];
                for (var i = 0; i < lines.Length; i++)
                {
                    var sku = Shared(r);
                    var category = Shared(r);
                    var qty = r.Read7BitEncodedInt();
                    var price = ReadCompactDecimal(r);
                    var points = r.Read7BitEncodedInt64();
                    var rule = r.ReadByte() switch
                    {
                        0 => PointsPolicy.BaseRule,
                        1 => Shared(r),
                        var b => throw new System.Runtime.Serialization.SerializationException($"P3: rule marker {b} is neither 0 nor 1"),
                    };
                    lines[i] = new PurchasedLine(sku, category, qty, price, points, rule);
                }

                return new PurchaseRecorded(id, at, orderId, channel, ImmutableCollectionsMarshal.AsImmutableArray(lines), version, tier, expiresAt);
            }

            case PurchaseV1:
            case PurchaseV2:
            {
                var v2 = manifest == PurchaseV2;
                var (id, at) = ReadHead(r);
                var orderId = r.ReadString();
                var channel = Shared(r);
                var version = r.ReadInt32();
                var tier = v2 ? Shared(r) : TierNames.Base;
                var expiresAt = v2 ? ReadOptionalInstant(r) : null;
                var n = r.ReadInt32();
                var lines = ImmutableArray.CreateBuilder<PurchasedLine>(n);
                for (var i = 0; i < n; i++)
                    lines.Add(new PurchasedLine(Shared(r), Shared(r), r.ReadInt32(), r.ReadDecimal(), r.ReadInt64(),
                        v2 ? Shared(r) : PointsPolicy.BaseRule));
                return new PurchaseRecorded(id, at, orderId, channel, lines.MoveToImmutable(), version, tier, expiresAt);
            }

            case ReturnV1:
            case Return:
            {
                var (id, at) = ReadHead(r);
                var orderId = r.ReadString();
                var channel = Shared(r);
                var n = r.ReadInt32();
                var lines = ImmutableArray.CreateBuilder<ReturnedLine>(n);
                for (var i = 0; i < n; i++)
                    lines.Add(new ReturnedLine(r.ReadInt32(), Shared(r), r.ReadInt32(), r.ReadDecimal(), r.ReadInt64()));
                if (manifest == ReturnV1) return new ReturnRecorded(id, at, orderId, channel, lines.MoveToImmutable());
                return new ReturnRecorded(id, at, orderId, channel, lines.MoveToImmutable(), r.ReadInt32(), ReadOptionalString(r));
            }

            case Held:
            {
                var (id, at) = ReadHead(r);
                var orderId = r.ReadString();
                var channel = r.ReadString();
                var n = r.ReadInt32();
                var lines = ImmutableArray.CreateBuilder<ReturnLineInput>(n);
                for (var i = 0; i < n; i++) lines.Add(new ReturnLineInput(r.ReadString(), r.ReadInt32()));
                return new ReturnHeld(id, at, orderId, channel, lines.MoveToImmutable());
            }

            case Expired:
            {
                var (id, at) = ReadHead(r);
                return new PointsExpired(id, at, r.ReadString(), r.ReadInt64(), r.ReadInt32());
            }

            case Tier:
            {
                var (id, at) = ReadHead(r);
                return new TierChanged(id, at, r.ReadString(), r.ReadString(), r.ReadDecimal(), r.ReadString(), ReadOptionalInstant(r));
            }

            case Reward:
            {
                var (id, at) = ReadHead(r);
                return new RewardIssued(id, at, r.ReadString(), r.ReadInt32(), r.ReadString(), r.ReadString());
            }

            case WakeUp:
            {
                var (id, at) = ReadHead(r);
                return new WakeUpScheduled(id, at, ReadOptionalInstant(r));
            }

            case Erased:
            {
                var (id, at) = ReadHead(r);
                return new CustomerErased(id, at);
            }

            case Discarded:
            {
                var (id, at) = ReadHead(r);
                return new HeldReturnDiscarded(id, at, r.ReadString(), r.ReadString(), r.ReadString());
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

            case CustomerSnapshotV1:
                return ReadStateV1(r);
            case CustomerSnapshot:
                return ReadState(r);
            default:
                throw new System.Runtime.Serialization.SerializationException(
                    $"Unknown manifest '{manifest}': this journal was written by a newer LoyaltyActors");
        }
    }

    /// <summary>
    /// P3: as P2, with the numbers in variable-length form and the base rule as one byte. A line of P2 took ~41 bytes (16
    /// of them a decimal price), one of P3 ~15: purchases are most of a journal's bytes. Written straight into a
    /// <see cref="ByteSink"/>, the same bytes a <see cref="BinaryWriter"/> made.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void WritePurchase(ByteSink s, PurchaseRecorded p)
    {
        s.String(p.EventId);
        WriteInstant(s, p.OccurredAt);
        s.String(p.OrderId);
        s.String(p.Channel);
        s.VarInt32(p.RuleVersion);
        s.String(p.Tier);
        s.Boolean(p.ExpiresAt.HasValue);
        if (p.ExpiresAt is { } expires) WriteInstant(s, expires);
        s.VarInt32(p.Lines.Length);
        foreach (var l in p.Lines)
        {
            s.String(l.Sku);
            s.String(l.Category);
            s.VarInt32(l.Qty);
            var (head, low, high) = CompactDecimal(l.UnitPrice);
            s.Byte(head);
            s.VarInt64(low);
            if (high != 0) s.VarInt32(high);
            s.VarInt64(l.Points);
            if (l.Rule == PointsPolicy.BaseRule)
            {
                s.Byte(0);
            }
            else
            {
                s.Byte(1);
                s.String(l.Rule);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void WriteInstant(ByteSink s, Instant instant)
    {
        var (seconds, nanoseconds) = InstantParts(instant);
        s.Int64(seconds);
        s.Int32(nanoseconds);
    }

    private static void WriteHead(BinaryWriter w, CustomerEvent e)
    {
        w.Write(e.EventId);
        WriteInstant(w, e.OccurredAt);
    }

    private static (string Id, Instant At) ReadHead(BinaryReader r) => (r.ReadString(), ReadInstant(r));

    /// <summary>A catalogue string (SKU, category, channel, tier, rule), read as its shared instance (<see cref="CatalogStrings"/>).</summary>
    private static string Shared(BinaryReader r) => CatalogStrings.Share(r.ReadString());

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void WriteInstant(BinaryWriter w, Instant instant)
    {
        var (seconds, nanoseconds) = InstantParts(instant);
        w.Write(seconds);
        w.Write(nanoseconds);
    }

    /// <summary>Whole seconds plus nanoseconds: they keep every instant the wire format can carry, exactly.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (long Seconds, int Nanoseconds) InstantParts(Instant instant)
    {
        var seconds = instant.ToUnixTimeSeconds();
        return (seconds, (int)(instant - Instant.FromUnixTimeSeconds(seconds)).ToInt64Nanoseconds());
    }

    /// <summary>
    /// A decimal exactly (its scale too: 2.50 stays 2.50), in 2–16 bytes: one byte of scale (bits 0–4), "the high 32 bits
    /// of the mantissa follow" (bit 6) and sign (bit 7); the low 64 bits of the mantissa as a variable-length integer; then
    /// the high 32 bits, variable-length, when not zero. A price of 2.95 takes 3 bytes.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void WriteCompactDecimal(BinaryWriter w, decimal value)
    {
        var (head, low, high) = CompactDecimal(value);
        w.Write(head);
        w.Write7BitEncodedInt64(low);
        if (high != 0) w.Write7BitEncodedInt(high);
    }

    /// <summary>The head byte, the low 64 bits and the high 32 bits of <see cref="WriteCompactDecimal"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static (byte Head, long Low, int High) CompactDecimal(decimal value)
    {
        Span<int> bits = stackalloc int[4];
        decimal.GetBits(value, bits);
        var scale = (bits[3] >> 16) & 0xFF;
        var high = bits[2];
        return ((byte)(scale | (high != 0 ? 0x40 : 0) | (bits[3] < 0 ? 0x80 : 0)), (long)(((ulong)(uint)bits[1] << 32) | (uint)bits[0]), high);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static decimal ReadCompactDecimal(BinaryReader r)
    {
        var head = r.ReadByte();
        var scale = (byte)(head & 0x1F);
        if (scale > 28 || (head & 0x20) != 0)
            throw new System.Runtime.Serialization.SerializationException($"a compact decimal's head byte {head:x2} is not one this version writes");
        var low = (ulong)r.Read7BitEncodedInt64();
        var high = (head & 0x40) != 0 ? r.Read7BitEncodedInt() : 0;
        return new decimal((int)(uint)low, (int)(uint)(low >> 32), high, (head & 0x80) != 0, scale);
    }

    private static Instant ReadInstant(BinaryReader r) =>
        Instant.FromUnixTimeSeconds(r.ReadInt64()).PlusNanoseconds(r.ReadInt32());

    private static void WriteOptionalInstant(BinaryWriter w, Instant? instant)
    {
        w.Write(instant.HasValue);
        if (instant is { } i) WriteInstant(w, i);
    }

    private static Instant? ReadOptionalInstant(BinaryReader r) => r.ReadBoolean() ? ReadInstant(r) : null;

    private static void WriteOptionalString(BinaryWriter w, string? s)
    {
        w.Write(s is not null);
        if (s is not null) w.Write(s);
    }

    private static string? ReadOptionalString(BinaryReader r) => r.ReadBoolean() ? r.ReadString() : null;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
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

            w.Write(order.RuleVersion);
        }

        w.Write(s.PointsEarned);
        w.Write(s.PointsReversed);
        w.Write(s.PointsRedeemed);
        WriteOptionalInstant(w, s.LastEventAt);

        // S2 from here on: the loyalty program.
        w.Write(s.Lots.Length);
        foreach (var lot in s.Lots)
        {
            w.Write(lot.OrderId);
            WriteInstant(w, lot.EarnedAt);
            WriteOptionalInstant(w, lot.ExpiresAt);
            w.Write(lot.Points);
            w.Write(lot.Remaining);
        }

        w.Write(s.PointsDebt);
        w.Write(s.PointsExpired);
        w.Write(s.Tier);
        WriteOptionalInstant(w, s.TierSince);
        WriteOptionalInstant(w, s.NextTierReview);
        w.Write(s.ReturnedByOrderDay.Count);
        foreach (var (day, amount) in s.ReturnedByOrderDay)
        {
            w.Write(day);
            w.Write(amount);
        }

        w.Write(s.PendingReturns.Count);
        foreach (var (_, held) in s.PendingReturns.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            w.Write(held.Length);
            foreach (var h in held) Write(w, h);
        }

        w.Write(s.DiscardedReturns);
        w.Write(s.Rewards.Length);
        foreach (var g in s.Rewards)
        {
            w.Write(g.EventId);
            WriteInstant(w, g.At);
            w.Write(g.RuleId);
            w.Write(g.RuleVersion);
            w.Write(g.Reward);
        }

        WriteOptionalInstant(w, s.WakeUpAt);
    }

    private static void Write(BinaryWriter w, ReturnHeld h)
    {
        var bytes = Write((object)h);
        w.Write(bytes.Length);
        w.Write(bytes);
    }

    private static CustomerState ReadState(BinaryReader r)
    {
        var core = ReadCore(r, withRuleVersions: true);
        var lots = ImmutableArray.CreateBuilder<PointsLot>();
        for (int i = 0, n = r.ReadInt32(); i < n; i++)
            lots.Add(new PointsLot(r.ReadString(), ReadInstant(r), ReadOptionalInstant(r), r.ReadInt64(), r.ReadInt64()));
        var debt = r.ReadInt64();
        var expired = r.ReadInt64();
        var tier = Shared(r);
        var tierSince = ReadOptionalInstant(r);
        var nextReview = ReadOptionalInstant(r);
        var returnedByDay = ImmutableSortedDictionary.CreateBuilder<int, decimal>();
        for (int i = 0, n = r.ReadInt32(); i < n; i++) returnedByDay.Add(r.ReadInt32(), r.ReadDecimal());
        var pending = ImmutableDictionary.CreateBuilder<string, ImmutableArray<ReturnHeld>>(StringComparer.Ordinal);
        for (int i = 0, n = r.ReadInt32(); i < n; i++)
        {
            var held = ImmutableArray.CreateBuilder<ReturnHeld>();
            for (int j = 0, m = r.ReadInt32(); j < m; j++)
                held.Add((ReturnHeld)Read(r.ReadBytes(r.ReadInt32()), Held));
            pending.Add(held[0].OrderId, held.ToImmutable());
        }

        var discarded = r.ReadInt32();
        var rewards = ImmutableArray.CreateBuilder<IssuedReward>();
        for (int i = 0, n = r.ReadInt32(); i < n; i++)
            rewards.Add(new IssuedReward(r.ReadString(), ReadInstant(r), r.ReadString(), r.ReadInt32(), r.ReadString()));
        return core with
        {
            Lots = lots.ToImmutable(),
            PointsDebt = debt,
            PointsExpired = expired,
            Tier = tier,
            TierSince = tierSince,
            NextTierReview = nextReview,
            ReturnedByOrderDay = returnedByDay.ToImmutable(),
            PendingReturns = pending.ToImmutable(),
            DiscardedReturns = discarded,
            Rewards = rewards.ToImmutable(),
            WakeUpAt = ReadOptionalInstant(r),
        };
    }

    /// <summary>
    /// A snapshot written before the loyalty program existed: its balance becomes one lot that never expires,
    /// and refunds are attributed to their orders' days.
    /// </summary>
    private static CustomerState ReadStateV1(BinaryReader r)
    {
        var s = ReadCore(r, withRuleVersions: false);
        var returned = ImmutableSortedDictionary.CreateBuilder<int, decimal>();
        foreach (var order in s.OrdersById.Values)
        {
            var amount = order.Lines.Sum(l => l.ReturnedQty * l.UnitPrice);
            if (amount == 0) continue;
            var day = EpochDays.Of(order.At);
            returned[day] = (returned.TryGetValue(day, out var before) ? before : 0m) + amount;
        }

        var balance = s.PointsEarned - s.PointsReversed - s.PointsRedeemed;
        return s with
        {
            Lots = balance > 0 ? [new PointsLot("(before lots)", s.FirstPurchaseAt ?? Instant.MinValue, null, balance, balance)] : [],
            PointsDebt = balance < 0 ? -balance : 0,
            ReturnedByOrderDay = returned.ToImmutable(),
        };
    }

    private static CustomerState ReadCore(BinaryReader r, bool withRuleVersions)
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
        var days = new KeyValuePair<int, DaySpend>[r.ReadInt32()];
        for (var i = 0; i < days.Length; i++)
            days[i] = new(r.ReadInt32(), new DaySpend(r.ReadInt32(), r.ReadDecimal()));
        var ordersById = ImmutableDictionary.CreateBuilder<string, OrderRecord>(StringComparer.Ordinal);
        for (int i = 0, n = r.ReadInt32(); i < n; i++)
        {
            var orderId = r.ReadString();
            var at = ReadInstant(r);
            var lineCount = r.ReadInt32();
            var lines = ImmutableArray.CreateBuilder<OrderLine>(lineCount);
            for (var j = 0; j < lineCount; j++)
                lines.Add(new OrderLine(Shared(r), r.ReadInt32(), r.ReadDecimal(), r.ReadInt64(), r.ReadInt32(), r.ReadInt64()));
            ordersById.Add(orderId, new OrderRecord(at, lines.MoveToImmutable(), withRuleVersions ? r.ReadInt32() : 0));
        }

        return new CustomerState(eventIds, orders, gross, returned, returns, first, last, categories, views, dwell,
            reviews, ratingSum, PurchaseDayTable.Create(days), ordersById.ToImmutable(),
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
