using System.Collections.Immutable;
using System.Runtime.Serialization;
using Akka.Serialization;
using FsCheck.Fluent;
using FsCheck.Xunit;
using LoyaltyActors.Actors.Serialization;
using LoyaltyActors.Actors.Tests.Support;
using LoyaltyActors.Domain.Customers;
using NodaTime;
using Xunit;
using Xunit.Abstractions;

namespace LoyaltyActors.Actors.Tests;

/// <summary>Every persisted type goes through the serialization the production config binds, and back.</summary>
public sealed class LoyaltySerializerTests(ITestOutputHelper output) : CustomerTestKit(output)
{
    private static readonly Instant At = Instant.FromUtc(2024, 3, 10, 9, 30).PlusNanoseconds(123_456_789);

    private static readonly PurchaseRecorded Purchase = new("p-1", At, "order-1", "web",
    [
        new PurchasedLine("SKU-A", "fruit", 2, 3.50m, 7),
        new PurchasedLine("SKU-FREE", "gift", 1, 0m, 0),
        new PurchasedLine("SKU-B", "tools", 3, 19.99m, 59),
        new PurchasedLine("SKU-Ü", "", 1, 0.0001m, 0),
    ], RuleVersion: 2);

    private static readonly ReturnRecorded Return = new("r-1", At + Duration.FromHours(5), "order-1", "store",
    [
        new ReturnedLine(0, "SKU-A", 1, 3.50m, 3),
        new ReturnedLine(2, "SKU-B", 2, 39.98m, 39),
    ]);

    private static readonly ItemViewed View = new("v-1", At + Duration.FromDays(1), "SKU-A", 12.345);

    private static readonly ReviewPosted Review = new("w-1", At + Duration.FromDays(1), "SKU-A", 5);

    private static readonly PointsRedeemed Redeem = new("d-1", At + Duration.FromDays(2), 40, "free coffee");

    /// <summary>Before 1970 and off the second: the first purchase of the folded state.</summary>
    private static readonly Instant Moonwalk = Instant.FromUtc(1969, 7, 20, 20, 17, 40).PlusNanoseconds(1);

    private static readonly PurchaseRecorded ProgramPurchase = new("p-9", At + Duration.FromDays(6), "order-9", "web",
        [new PurchasedLine("SKU-D", "dairy", 2, 5m, 15, "category:dairy")], 3, "silver", At + Duration.FromDays(371));

    private static readonly ReturnHeld Held = new("h-1", At + Duration.FromDays(7), "order-late", "pos", [new ReturnLineInput("SKU-L", 2)]);

    private static readonly PointsExpired Expired = new("t#expire:order-0", At + Duration.FromDays(8), "order-0", 1969, 3);

    private static readonly TierChanged Tier = new("p-9#tier", At + Duration.FromDays(6), "base", "silver", 1234.5m, "upgrade", At + Duration.FromDays(98));

    private static readonly RewardIssued Reward = new("p-9#reward:balance-1000", At + Duration.FromDays(6), "balance-1000", 2, "voucher-10", "balance 990 -> 1005");

    private static readonly WakeUpScheduled Wake = new("p-9#wake", At + Duration.FromDays(6), At + Duration.FromDays(98));

    [Fact]
    public void A_journal_of_purchases_in_the_previous_layout_still_replays()
    {
        // P2 as the releases before the compact layout wrote it (by hand, field by field): fixed-width numbers.
        using var stream = new MemoryStream();
        using (var w = new BinaryWriter(stream))
        {
            w.Write("p2-1"); w.Write(At.ToUnixTimeSeconds()); w.Write(123_456_789);
            w.Write("order-p2"); w.Write("web"); w.Write(4); w.Write("silver"); // rule version, tier
            w.Write(true); w.Write((At + Duration.FromDays(30)).ToUnixTimeSeconds()); w.Write(123_456_789); // expires at
            w.Write(2);
            w.Write("SKU-A"); w.Write("books"); w.Write(3); w.Write(2.50m); w.Write(7L); w.Write("base");
            w.Write("SKU-B"); w.Write(""); w.Write(1); w.Write(-0.000001m); w.Write(-2L); w.Write("double-books");
        }

        var purchase = Assert.IsType<PurchaseRecorded>(Sys.Serialization.Deserialize(stream.ToArray(), LoyaltySerializer.SerializerId, "P2"));
        Assert.Equal(new PurchaseRecorded("p2-1", At, "order-p2", "web",
            [new PurchasedLine("SKU-A", "books", 3, 2.50m, 7), new PurchasedLine("SKU-B", "", 1, -0.000001m, -2, "double-books")],
            4, "silver", At + Duration.FromDays(30)), purchase, new PurchaseEquality());
        Assert.Equal("2.50", purchase.Lines[0].UnitPrice.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public void Purchases_are_written_compactly_and_read_back_exactly_at_the_extremes()
    {
        var lines = ImmutableArray.Create(
            new PurchasedLine("SKU-1", "", 1, 2.95m, 3),
            new PurchasedLine("Crème brûlée 🍮", new string('c', 200), int.MaxValue, decimal.MaxValue, long.MaxValue, "rule-x"),
            new PurchasedLine("SKU-3", "toys", int.MinValue, decimal.MinValue, long.MinValue),
            new PurchasedLine("SKU-4", "toys", -1, -0.0000000000000000000000000001m, -1, ""),
            new PurchasedLine("SKU-5", "toys", 0, 0.000m, 0));
        var value = new PurchaseRecorded("p-x", At, "order-x", "web", lines, int.MaxValue, "gold", null);
        var (copy, bytes) = RoundTrip(value);
        var back = Assert.IsType<PurchaseRecorded>(copy);
        Assert.Equal(value, back, new PurchaseEquality());
        // Exactly: the same scale (0.000 is not 0), so that what is stored is what was decided.
        Assert.Equal(lines.Select(l => decimal.GetBits(l.UnitPrice)), back.Lines.Select(l => decimal.GetBits(l.UnitPrice)));

        // A typical line (2.95 × 1, base rule, 3 points) takes a third of the fixed-width layout's 41 bytes.
        var one = new PurchaseRecorded("p-1", At, "order-1", "web", [new PurchasedLine("SKU-1", "", 1, 2.95m, 3)], 1);
        var two = one with { Lines = [one.Lines[0], one.Lines[0]] };
        Assert.InRange(RoundTrip(two).Bytes.Length - RoundTrip(one).Bytes.Length, 13, 15);
    }

    [Property(MaxTest = 500)]
    public void Any_decimal_comes_back_with_the_same_bits(int lo, int mid, int hi, bool negative, byte scale)
    {
        var value = new decimal(lo, mid, hi, negative, (byte)(scale % 29));
        using var stream = new MemoryStream();
        using (var w = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true)) BinaryCodec.WriteCompactDecimal(w, value);
        stream.Position = 0;
        using var r = new BinaryReader(stream);
        Assert.Equal(decimal.GetBits(value), decimal.GetBits(BinaryCodec.ReadCompactDecimal(r)));
        Assert.Equal(stream.Length, stream.Position);
    }

    [Property(MaxTest = 300)]
    public FsCheck.Property Purchases_are_written_in_the_P3_layout_byte_for_byte_by_both_entry_points() =>
        Prop.ForAll(PurchaseArb(), purchase =>
        {
            // P3 as a BinaryWriter writes it, field by field.
            using var stream = new MemoryStream();
            using (var w = new BinaryWriter(stream))
            {
                w.Write(purchase.EventId); WriteAt(w, purchase.OccurredAt);
                w.Write(purchase.OrderId); w.Write(purchase.Channel); w.Write7BitEncodedInt(purchase.RuleVersion); w.Write(purchase.Tier);
                w.Write(purchase.ExpiresAt.HasValue);
                if (purchase.ExpiresAt is { } expires) WriteAt(w, expires);
                w.Write7BitEncodedInt(purchase.Lines.Length);
                foreach (var l in purchase.Lines)
                {
                    w.Write(l.Sku); w.Write(l.Category); w.Write7BitEncodedInt(l.Qty);
                    BinaryCodec.WriteCompactDecimal(w, l.UnitPrice);
                    w.Write7BitEncodedInt64(l.Points);
                    if (l.Rule == PointsPolicy.BaseRule) w.Write((byte)0);
                    else { w.Write((byte)1); w.Write(l.Rule); }
                }
            }

            var expected = stream.ToArray();
            Assert.Equal(expected, BinaryCodec.Write(purchase));
            // An encoder reused after a larger purchase writes only this one's bytes.
            var encoder = new BinaryCodec.Encoder();
            encoder.Encode(purchase with { Lines = [.. purchase.Lines, .. purchase.Lines, new PurchasedLine(new string('x', 3000), "", 1, 1m, 1)] });
            Assert.Equal(expected, encoder.Encode(purchase).ToArray());
        });

    private static FsCheck.Arbitrary<PurchaseRecorded> PurchaseArb()
    {
        var text = Gen.Elements("", "SKU-1", "base", "Crème brûlée 🍮", "ab€", new string('y', 127), new string('z', 130), "category:dairy");
        var number = Gen.Elements(0L, 1L, -1L, 127L, 128L, 16_383L, 16_384L, int.MaxValue, int.MinValue, long.MaxValue, long.MinValue);
        var price = Gen.Elements(0m, 0.000m, 2.95m, -0.0000000000000000000000000001m, decimal.MaxValue, decimal.MinValue, 79_228_162_514.264337593543950335m);
        var line = from sku in text
                   from category in text
                   from qty in number
                   from unit in price
                   from points in number
                   from rule in Gen.Elements(PointsPolicy.BaseRule, "category:dairy", "")
                   select new PurchasedLine(sku, category, (int)qty, unit, points, rule);
        var gen = from id in text
                  from seconds in Gen.Choose(-2_000_000_000, 2_000_000_000)
                  from nanos in Gen.Choose(0, 999_999_999)
                  from lines in Gen.ListOf(line)
                  from version in number
                  from tier in text
                  from expires in Gen.Elements<Instant?>(null, At, Moonwalk)
                  select new PurchaseRecorded(id, Instant.FromUnixTimeSeconds(seconds).PlusNanoseconds(nanos), id + "-order", tier,
                      [.. lines], (int)version, tier, expires);
        return gen.ToArbitrary();
    }

    /// <summary>Purchases compared field by field, their lines element by element (records compare arrays by reference).</summary>
    private sealed class PurchaseEquality : IEqualityComparer<PurchaseRecorded>
    {
        public bool Equals(PurchaseRecorded? x, PurchaseRecorded? y) =>
            x is not null && y is not null && x.Lines.SequenceEqual(y.Lines) &&
            x with { Lines = ImmutableArray<PurchasedLine>.Empty } == y with { Lines = ImmutableArray<PurchasedLine>.Empty };

        public int GetHashCode(PurchaseRecorded obj) => obj.EventId.GetHashCode();
    }

    private static readonly HeldReturnDiscarded Discarded = new("h-1#discarded", At + Duration.FromDays(9), "order-late", "h-1", "lines[0].sku: no");

    private static readonly string[] PersistedTypeNames =
    [
        "purchase", "return", "view", "review", "redeem", "state", "empty state",
        "program purchase", "held", "expired", "tier", "reward", "wake", "discarded", "program state",
    ];

    public static TheoryData<string> PersistedTypes => [.. PersistedTypeNames];

    private static object Sample(string name) => name switch
    {
        "purchase" => Purchase,
        "return" => Return,
        "view" => View,
        "review" => Review,
        "redeem" => Redeem,
        "state" => FoldedState(),
        "empty state" => CustomerState.Empty,
        "program purchase" => ProgramPurchase,
        "held" => Held,
        "expired" => Expired,
        "tier" => Tier,
        "reward" => Reward,
        "wake" => Wake,
        "discarded" => Discarded,
        "program state" => ProgramState(),
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, null),
    };

    /// <summary>Three orders on three days (one before 1970), both returns, a view, a review and a redemption.</summary>
    private static CustomerState FoldedState() => CustomerState.Empty.ApplyAll(
    [
        new PurchaseRecorded("p-0", Moonwalk, "order-0", "store", [new PurchasedLine("SKU-M", "space", 1, 1969.07m, 1969)], 1),
        Purchase,
        new PurchaseRecorded("p-2", At + Duration.FromDays(3), "order-2", "web", [new PurchasedLine("SKU-C", "books", 4, 2.25m, 9)], 1),
        Return,
        View,
        Review,
        Redeem,
        new ReturnRecorded("r-2", At + Duration.FromDays(4), "order-2", "web", [new ReturnedLine(0, "SKU-C", 1, 2.25m, 2)]),
    ]);

    /// <summary>The folded state plus every part of the loyalty program: lots, debt-free expiry, a tier, a held return, a reward, a timer.</summary>
    private static CustomerState ProgramState() =>
        FoldedState().ApplyAll([ProgramPurchase, Held, Expired, Tier, Reward, Wake,
            new ReturnHeld("h-2", At + Duration.FromDays(7), "order-late", "pos", [new ReturnLineInput("SKU-M", 1)]),
            Discarded]);

    [Fact]
    public void Events_and_states_read_back_share_one_instance_of_each_catalogue_string()
    {
        var first = (PurchaseRecorded)RoundTrip(Purchase).Copy;
        var second = (PurchaseRecorded)RoundTrip(Purchase).Copy;
        for (var i = 0; i < first.Lines.Length; i++)
        {
            Assert.Same(first.Lines[i].Sku, second.Lines[i].Sku);
            Assert.Same(first.Lines[i].Category, second.Lines[i].Category);
            Assert.Same(first.Lines[i].Rule, second.Lines[i].Rule);
        }

        Assert.Same(first.Channel, second.Channel);
        Assert.Same(first.Tier, second.Tier);
        var returned = (ReturnRecorded)RoundTrip(Return).Copy;
        Assert.Same(first.Lines[0].Sku, returned.Lines[0].Sku);
        var state = (CustomerState)RoundTrip(ProgramState()).Copy;
        var again = (CustomerState)RoundTrip(ProgramState()).Copy;
        Assert.Same(state.OrdersById["order-9"].Lines[0].Sku, again.OrdersById["order-9"].Lines[0].Sku);
        Assert.Same(state.Tier, again.Tier);
    }

    [Fact]
    public void Program_events_round_trip_field_for_field()
    {
        foreach (var e in new CustomerEvent[] { Expired, Tier, Reward, Wake, Discarded })
            Assert.Equal(e, RoundTrip(e).Copy);
        var held = (ReturnHeld)RoundTrip(Held).Copy;
        Assert.Equal((Held.EventId, Held.OrderId, Held.OccurredAt), (held.EventId, held.OrderId, held.OccurredAt));
        Assert.Equal(Held.Lines, held.Lines.AsEnumerable());
        var purchase = (PurchaseRecorded)RoundTrip(ProgramPurchase).Copy;
        Assert.Equal((ProgramPurchase.Tier, ProgramPurchase.ExpiresAt, ProgramPurchase.RuleVersion), (purchase.Tier, purchase.ExpiresAt, purchase.RuleVersion));
        Assert.Equal(ProgramPurchase.Lines, purchase.Lines.AsEnumerable());
    }

    [Fact]
    public void Program_state_round_trips_lots_tier_pending_returns_rewards_and_timer()
    {
        var state = ProgramState();
        var copy = (CustomerState)RoundTrip(state).Copy;

        Assert.Equal(state.Lots, copy.Lots.AsEnumerable());
        Assert.Equal((state.PointsDebt, state.PointsExpired, state.PointsBalance), (copy.PointsDebt, copy.PointsExpired, copy.PointsBalance));
        Assert.Equal(("silver", state.TierSince, state.NextTierReview), (copy.Tier, copy.TierSince, copy.NextTierReview));
        Assert.Equal(state.ReturnedByOrderDay, copy.ReturnedByOrderDay);
        Assert.Equal(new[] { "h-2" }, copy.PendingReturns["order-late"].Select(h => h.EventId));
        Assert.Equal((1, state.Rewards.Single()), (copy.DiscardedReturns, copy.Rewards.Single()));
        Assert.Equal(Wake.At, copy.WakeUpAt);
        Assert.Equal(3, copy.OrdersById["order-9"].RuleVersion);
    }

    [Fact]
    public void A_journal_written_before_the_loyalty_program_still_replays()
    {
        // P1 and S1 as the first release wrote them (written here by hand, field by field)
        var p1 = Layout(w =>
        {
            w.Write("old-1"); WriteAt(w, At);
            w.Write("order-old"); w.Write("pos"); w.Write(1); // rule version
            w.Write(1); w.Write("SKU-O"); w.Write("old"); w.Write(3); w.Write(10m); w.Write(30L);
        });
        var purchase = Assert.IsType<PurchaseRecorded>(Sys.Serialization.Deserialize(p1, LoyaltySerializer.SerializerId, "P1"));
        Assert.Equal((TierNames.Base, (Instant?)null, 30L, PointsPolicy.BaseRule), (purchase.Tier, purchase.ExpiresAt, purchase.Points, purchase.Lines[0].Rule));

        var s1 = Layout(w =>
        {
            w.Write(1); w.Write("old-1"); // event ids
            w.Write(1); w.Write(30m); w.Write(10m); w.Write(1); // orders, gross, returned, returns
            w.Write(true); WriteAt(w, At); w.Write(true); WriteAt(w, At);
            w.Write(1); w.Write("old"); // categories
            w.Write(0); w.Write(0d); w.Write(0); w.Write(0); // views, dwell, reviews, rating sum
            w.Write(1); w.Write(EpochDays.Of(At)); w.Write(1); w.Write(30m); // purchase days
            w.Write(1); w.Write("order-old"); WriteAt(w, At); w.Write(1);
            w.Write("SKU-O"); w.Write(3); w.Write(10m); w.Write(30L); w.Write(1); w.Write(10L); // a line, one unit returned
            w.Write(30L); w.Write(10L); w.Write(5L); // earned, reversed, redeemed
            w.Write(true); WriteAt(w, At);
        });
        var state = Assert.IsType<CustomerState>(Sys.Serialization.Deserialize(s1, LoyaltySerializer.SerializerId, "S1"));
        Assert.Equal(15L, state.PointsBalance);
        Assert.Equal(15L, Assert.Single(state.Lots).Remaining);
        Assert.Null(state.Lots[0].ExpiresAt);
        Assert.Equal(20m, state.TrailingSpend(At, Period.FromMonths(12)));

        static byte[] Layout(Action<BinaryWriter> write)
        {
            using var stream = new MemoryStream();
            using (var w = new BinaryWriter(stream)) write(w);
            return stream.ToArray();
        }
    }

    /// <summary>An instant as every layout writes it: whole seconds, then nanoseconds.</summary>
    private static void WriteAt(BinaryWriter w, Instant at)
    {
        w.Write(at.ToUnixTimeSeconds());
        w.Write((int)(at - Instant.FromUnixTimeSeconds(at.ToUnixTimeSeconds())).ToInt64Nanoseconds());
    }

    [Theory]
    [MemberData(nameof(PersistedTypes))]
    public void Every_persisted_type_is_bound_to_the_loyalty_serializer(string name)
    {
        var serializer = Sys.Serialization.FindSerializerFor(Sample(name));

        Assert.IsType<LoyaltySerializer>(serializer);
        Assert.Equal(4171, serializer.Identifier);
    }

    [Fact]
    public void A_reused_encoder_gives_the_bytes_the_serializer_gives_for_every_persisted_type_in_any_order()
    {
        // The journal writer binds rows from one reused encoder; what it stores must be what ToBinary would have stored.
        var names = PersistedTypeNames;
        var encoder = new BinaryCodec.Encoder();
        foreach (var name in names.Concat(names.Reverse()).Concat(names))
        {
            var value = Sample(name);
            Assert.Equal(Sys.Serialization.FindSerializerFor(value).ToBinary(value), encoder.Encode(value).ToArray());
        }
    }

    [Theory]
    [MemberData(nameof(PersistedTypes))]
    public void Manifests_are_short_codes_not_type_names(string name)
    {
        var value = Sample(name);
        var manifest = Akka.Serialization.Serialization.ManifestFor(Sys.Serialization.FindSerializerFor(value), value);

        Assert.InRange(manifest.Length, 1, 3);
        Assert.DoesNotContain(".", manifest, StringComparison.Ordinal);
        Assert.DoesNotContain(value.GetType().Name, manifest, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Each_persisted_type_has_its_own_manifest()
    {
        var serializer = (SerializerWithStringManifest)Sys.Serialization.FindSerializerFor(Purchase);
        var manifests = new object[] { Purchase, Return, View, Review, Redeem, FoldedState(), Held, Expired, Tier, Reward, Wake, Discarded }
            .Select(serializer.Manifest).ToList();

        Assert.Equal(manifests.Count, manifests.Distinct(StringComparer.Ordinal).Count());
    }

    [Theory]
    [MemberData(nameof(PersistedTypes))]
    public void Every_persisted_type_round_trips_to_the_same_type_and_bytes(string name)
    {
        var value = Sample(name);

        var (copy, bytes) = RoundTrip(value);

        Assert.IsType(value.GetType(), copy);
        Assert.Equal(bytes, Bytes(copy));
    }

    [Fact]
    public void Purchase_round_trips_every_line_with_exact_decimal_prices()
    {
        var copy = (PurchaseRecorded)RoundTrip(Purchase).Copy;

        Assert.Equal(Purchase with { Lines = [] }, copy with { Lines = [] });
        Assert.Equal(Purchase.Lines, copy.Lines.AsEnumerable());
        // Decimal equality ignores scale; the digits written must survive too ("3.50", not "3.5").
        Assert.Equal(["3.50", "0", "19.99", "0.0001"], copy.Lines.Select(l => l.UnitPrice.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        Assert.Equal(66.9701m, copy.Amount);
        Assert.Equal(66L, copy.Points);
        Assert.Equal(2, copy.RuleVersion);
    }

    [Fact]
    public void Return_round_trips_line_indexes_amounts_and_points()
    {
        var copy = (ReturnRecorded)RoundTrip(Return).Copy;

        Assert.Equal(Return with { Lines = [] }, copy with { Lines = [] });
        Assert.Equal(Return.Lines, copy.Lines.AsEnumerable());
        Assert.Equal([0, 2], copy.Lines.Select(l => l.LineIndex));
        Assert.Equal(43.48m, copy.Amount);
        Assert.Equal(42L, copy.Points);
    }

    [Fact]
    public void View_review_and_redemption_round_trip_to_equal_records()
    {
        Assert.Equal(View, RoundTrip(View).Copy);
        Assert.Equal(Review, RoundTrip(Review).Copy);
        Assert.Equal(Redeem, RoundTrip(Redeem).Copy);
    }

    [Fact]
    public void Folded_state_round_trips_every_counter_order_line_and_day()
    {
        var state = FoldedState();

        var copy = (CustomerState)RoundTrip(state).Copy;

        Assert.True(copy.EventIds.SetEquals(["p-0", "p-1", "p-2", "r-1", "v-1", "w-1", "d-1", "r-2"]));
        Assert.Equal((3, 2), (copy.Orders, copy.Returns));
        Assert.Equal((state.GrossSpend, state.ReturnedAmount, state.NetSpend), (copy.GrossSpend, copy.ReturnedAmount, copy.NetSpend));
        Assert.Equal(Moonwalk, copy.FirstPurchaseAt);
        Assert.Equal(At + Duration.FromDays(3), copy.LastPurchaseAt);
        Assert.Equal(At + Duration.FromDays(4), copy.LastEventAt);
        Assert.True(copy.Categories.SetEquals(["space", "fruit", "gift", "tools", "books"]));
        Assert.Equal((1, 12.345, 1, 5), (copy.Views, copy.DwellSeconds, copy.Reviews, copy.RatingSum));
        Assert.Equal(state.PurchaseDays, copy.PurchaseDays);
        Assert.Equal(EpochDays.Of(Moonwalk), copy.PurchaseDays[0].Key);
        Assert.Equal(state.OrdersById.Keys.Order(StringComparer.Ordinal), copy.OrdersById.Keys.Order(StringComparer.Ordinal));
        foreach (var (orderId, order) in state.OrdersById)
        {
            Assert.Equal(order.At, copy.OrdersById[orderId].At);
            Assert.Equal(order.Lines, copy.OrdersById[orderId].Lines.AsEnumerable());
        }

        Assert.Equal((2044L, 44L, 40L, 1960L), (copy.PointsEarned, copy.PointsReversed, copy.PointsRedeemed, copy.PointsBalance));
    }

    [Fact]
    public void Restored_state_decides_the_next_commands_like_the_original()
    {
        var state = FoldedState();
        var copy = (CustomerState)RoundTrip(state).Copy;
        var at = At + Duration.FromDays(9);
        CustomerCommand[] next =
        [
            new RecordReturn("p-1", "c", at, "order-1", "web", [new ReturnLineInput("SKU-B", 1)]),
            new RecordReturn("r-3", "c", at, "order-1", "web", [new ReturnLineInput("SKU-B", 1)]),
            new RecordReturn("r-4", "c", at, "order-1", "web", [new ReturnLineInput("SKU-B", 2)]),
            new RecordPurchase("p-9", "c", at, "order-2", "web", [new PurchaseLineInput("SKU-C", "books", 1, 1m)]),
            new RedeemPoints("d-9", "c", at, state.PointsBalance, "everything"),
            new RedeemPoints("d-10", "c", at, state.PointsBalance + 1, "too much"),
        ];

        foreach (var command in next)
        {
            var expected = CustomerDecider.Decide(state, command, PointsPolicy.Default);
            var actual = CustomerDecider.Decide(copy, command, PointsPolicy.Default);
            Assert.Equal(expected.GetType(), actual.GetType());
            if (expected is Decision.Accepted a) Assert.Equal(Bytes(a.Event), Bytes(((Decision.Accepted)actual).Event));
            else Assert.Equal(expected, actual);
        }
    }

    [Theory]
    [InlineData(0L, 0)]
    [InlineData(0L, 1)]
    [InlineData(-1L, 0)]
    [InlineData(-1L, 999_999_999)]
    [InlineData(-86_401L, 500_000_001)]
    [InlineData(-14_182_940L, 1)] // 1969-07-20T20:17:40.000000001Z
    [InlineData(-2_208_988_800L, 123)] // 1900-01-01
    [InlineData(1_710_063_000L, 123_456_789)]
    public void Instants_round_trip_to_the_nanosecond(long unixSeconds, int nanoseconds)
    {
        AssertInstantRoundTrips(Instant.FromUnixTimeSeconds(unixSeconds).PlusNanoseconds(nanoseconds));
    }

    [Fact]
    public void The_first_and_last_representable_instants_round_trip()
    {
        AssertInstantRoundTrips(Instant.MinValue);
        AssertInstantRoundTrips(Instant.MaxValue);
    }

    [Property(MaxTest = 200)]
    public void Any_instant_within_six_millennia_of_1970_round_trips(long seconds, int nanoseconds)
    {
        AssertInstantRoundTrips(Instant.FromUnixTimeSeconds(seconds % 200_000_000_000L)
            .PlusNanoseconds(Math.Abs(nanoseconds % 1_000_000_000)));
    }

    [Fact]
    public void An_unknown_manifest_is_a_serialization_exception()
    {
        var serializer = (SerializerWithStringManifest)Sys.Serialization.FindSerializerFor(View);
        var bytes = serializer.ToBinary(View);

        var direct = Assert.Throws<SerializationException>(() => serializer.FromBinary(bytes, "Z9"));
        Assert.Contains("Z9", direct.Message, StringComparison.Ordinal);
        Assert.Throws<SerializationException>(() => Sys.Serialization.Deserialize(bytes, LoyaltySerializer.SerializerId, "Z9"));
    }

    private void AssertInstantRoundTrips(Instant instant)
    {
        var viewed = (ItemViewed)RoundTrip(View with { OccurredAt = instant }).Copy;
        Assert.Equal(instant, viewed.OccurredAt);

        var state = CustomerState.Empty.Apply(new PurchaseRecorded("p", instant, "o", "web", [new PurchasedLine("S", "c", 1, 1m, 1)], 1));
        var copy = (CustomerState)RoundTrip(state).Copy;
        Assert.Equal((instant, instant, instant), (copy.FirstPurchaseAt!.Value, copy.LastPurchaseAt!.Value, copy.LastEventAt!.Value));
        Assert.Equal(instant, copy.OrdersById["o"].At);
    }

    /// <summary>Serializes with whatever the system binds, then deserializes by serializer id and manifest, as the journal does.</summary>
    private (object Copy, byte[] Bytes) RoundTrip(object value)
    {
        var serializer = Sys.Serialization.FindSerializerFor(value);
        var manifest = Akka.Serialization.Serialization.ManifestFor(serializer, value);
        var bytes = serializer.ToBinary(value);
        return (Sys.Serialization.Deserialize(bytes, serializer.Identifier, manifest), bytes);
    }
}
