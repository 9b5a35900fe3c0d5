using System.Globalization;
using System.Text.Json;
using LoyaltyActors.Domain.Customers;
using LoyaltyActors.Domain.Wire;
using NodaTime;
using Xunit;

namespace LoyaltyActors.Domain.Tests;

/// <summary>Wire format v1 (DESIGN §2): valid events become the right command, bad ones a precise error naming the field.</summary>
public sealed class WireFormatTests
{
    private static readonly Instant ExampleInstant = Instant.FromUtc(2026, 11, 20, 10, 15);

    /// <summary>The DESIGN §2 example, with a second line so that lines[1] exists.</summary>
    private const string Purchase = """
        {"event_id":"pos-17-000123","type":"purchase","customer_id":"C-1001",
         "occurred_at":"2026-11-20T10:15:00Z","order_id":"O-9","channel":"pos","currency":"EUR",
         "lines":[{"sku":"SKU-1","category":"dairy","qty":2,"unit_price":3.50},{"sku":"SKU-2","category":"bakery","qty":1,"unit_price":0.10}]}
        """;

    private static WireResult Read(string json, WireLimits? limits = null)
    {
        using var doc = JsonDocument.Parse(json);
        return WireFormat.Read(doc.RootElement, limits ?? WireLimits.Default);
    }

    private static string Replace(string json, string from, string to)
    {
        Assert.Contains(from, json); // a mutation that does not apply would test nothing
        return json.Replace(from, to, StringComparison.Ordinal);
    }

    private static WireError AssertRejected(WireResult result, string field)
    {
        Assert.False(result.IsValid);
        Assert.Null(result.Command);
        var error = Assert.IsType<WireError>(result.Error);
        Assert.Equal(field, error.Field);
        Assert.False(string.IsNullOrWhiteSpace(error.Message));
        return error;
    }

    // ---- valid events ----

    [Fact]
    public void Purchase_reads_into_a_record_purchase_with_exact_decimal_prices()
    {
        var result = Read(Purchase);

        Assert.True(result.IsValid);
        Assert.Null(result.Error);
        var p = Assert.IsType<RecordPurchase>(result.Command);
        Assert.Equal(("pos-17-000123", "C-1001", ExampleInstant, "O-9", "pos"), (p.EventId, p.CustomerId, p.OccurredAt, p.OrderId, p.Channel));
        Assert.Equal([new PurchaseLineInput("SKU-1", "dairy", 2, 3.50m), new PurchaseLineInput("SKU-2", "bakery", 1, 0.10m)], p.Lines);
        // exact decimals: the scale sent is kept (3.50, not 3.5 via a double)
        Assert.Equal("3.50", p.Lines[0].UnitPrice.ToString(CultureInfo.InvariantCulture));
        Assert.Equal("0.10", p.Lines[1].UnitPrice.ToString(CultureInfo.InvariantCulture));
    }

    [Fact]
    public void Unit_price_keeps_every_digit_sent_beyond_double_precision()
    {
        var result = Read(Replace(Purchase, "\"unit_price\":3.50", "\"unit_price\":9999999.123456789"));

        // 16 significant digits: a detour through double would keep only 15 (9999999.12345679)
        var p = Assert.IsType<RecordPurchase>(result.Command);
        Assert.Equal(9999999.123456789m, p.Lines[0].UnitPrice);
    }

    [Fact]
    public void Occurred_at_with_an_offset_is_read_as_the_same_instant()
    {
        var result = Read(Replace(Purchase, "2026-11-20T10:15:00Z", "2026-11-20T11:15:00+01:00"));

        Assert.Equal(ExampleInstant, Assert.IsType<RecordPurchase>(result.Command).OccurredAt);
    }

    [Fact]
    public void Unknown_fields_and_a_missing_currency_are_accepted()
    {
        var json = Replace(Replace(Purchase, "\"currency\":\"EUR\",", ""), "\"channel\":\"pos\"", "\"channel\":\"pos\",\"till\":{\"id\":7}");

        Assert.IsType<RecordPurchase>(Read(json).Command);
    }

    [Fact]
    public void Return_reads_into_a_record_return_with_its_lines()
    {
        const string json = """
            {"event_id":"pos-17-000124","type":"return","customer_id":"C-1001","occurred_at":"2026-11-21T09:00:00Z",
             "order_id":"O-9","channel":"web","currency":"EUR","lines":[{"sku":"SKU-1","qty":1},{"sku":"SKU-2","qty":1}]}
            """;

        var r = Assert.IsType<RecordReturn>(Read(json).Command);

        Assert.Equal(("pos-17-000124", "C-1001", Instant.FromUtc(2026, 11, 21, 9, 0), "O-9", "web"), (r.EventId, r.CustomerId, r.OccurredAt, r.OrderId, r.Channel));
        Assert.Equal([new ReturnLineInput("SKU-1", 1), new ReturnLineInput("SKU-2", 1)], r.Lines);
    }

    [Fact]
    public void View_reads_into_a_record_view_with_its_dwell_time()
    {
        const string json = """{"event_id":"web-1","type":"view","customer_id":"C-1001","occurred_at":"2026-11-20T10:15:00Z","sku":"SKU-7","dwell_seconds":12.5}""";

        Assert.Equal(new RecordView("web-1", "C-1001", ExampleInstant, "SKU-7", 12.5), Read(json).Command);
    }

    [Fact]
    public void View_without_dwell_time_dwells_zero_seconds()
    {
        const string json = """{"event_id":"web-1","type":"view","customer_id":"C-1001","occurred_at":"2026-11-20T10:15:00Z","sku":"SKU-7"}""";

        Assert.Equal(0d, Assert.IsType<RecordView>(Read(json).Command).DwellSeconds);
    }

    [Fact]
    public void Review_reads_into_a_record_review_with_its_rating()
    {
        const string json = """{"event_id":"web-2","type":"review","customer_id":"C-1001","occurred_at":"2026-11-20T10:15:00Z","sku":"SKU-7","rating":4}""";

        Assert.Equal(new RecordReview("web-2", "C-1001", ExampleInstant, "SKU-7", 4), Read(json).Command);
    }

    [Fact]
    public void Redeem_reads_into_a_redeem_points_command()
    {
        const string json = """{"event_id":"app-3","type":"redeem","customer_id":"C-1001","occurred_at":"2026-11-20T10:15:00Z","points":250,"reward":"free-coffee"}""";

        Assert.Equal(new RedeemPoints("app-3", "C-1001", ExampleInstant, 250, "free-coffee"), Read(json).Command);
    }

    [Fact]
    public void Currency_is_the_configured_one_not_a_fixed_one()
    {
        var usd = new WireLimits(Currency: "USD");

        Assert.IsType<RecordPurchase>(Read(Replace(Purchase, "\"EUR\"", "\"USD\""), usd).Command);
        AssertRejected(Read(Purchase, usd), "currency");
    }

    // ---- invalid events: the error names the field ----

    public static TheoryData<string, string, string> InvalidPurchases => new()
    {
        { "event_id missing", "\"event_id\":\"pos-17-000123\",", "" },
        { "event_id empty", "\"event_id\":\"pos-17-000123\"", "\"event_id\":\"\"" },
        { "type unknown", "\"type\":\"purchase\"", "\"type\":\"refund\"" },
        { "type missing", "\"type\":\"purchase\",", "" },
        { "customer_id a number", "\"customer_id\":\"C-1001\"", "\"customer_id\":1001" },
        { "customer_id missing", "\"customer_id\":\"C-1001\",", "" },
        { "occurred_at without offset", "2026-11-20T10:15:00Z", "2026-11-20T10:15:00" },
        { "occurred_at a date", "2026-11-20T10:15:00Z", "2026-11-20" },
        { "occurred_at garbage", "2026-11-20T10:15:00Z", "yesterday" },
        { "order_id missing", "\"order_id\":\"O-9\",", "" },
        { "currency foreign", "\"currency\":\"EUR\"", "\"currency\":\"USD\"" },
        { "currency a number", "\"currency\":\"EUR\"", "\"currency\":978" },
        { "lines empty", "[{\"sku\":\"SKU-1\",\"category\":\"dairy\",\"qty\":2,\"unit_price\":3.50},{\"sku\":\"SKU-2\",\"category\":\"bakery\",\"qty\":1,\"unit_price\":0.10}]", "[]" },
        { "lines[1].qty negative", "\"qty\":1,", "\"qty\":-1," },
        { "lines[1].qty zero", "\"qty\":1,", "\"qty\":0," },
        { "lines[1].qty fractional", "\"qty\":1,", "\"qty\":1.5," },
        { "lines[1].qty a string", "\"qty\":1,", "\"qty\":\"1\"," },
        { "lines[1].sku missing", "\"sku\":\"SKU-2\",", "" },
        { "lines[0].unit_price negative", "\"unit_price\":3.50", "\"unit_price\":-3.50" },
        { "lines[0].unit_price missing", ",\"unit_price\":3.50", "" },
        { "lines[0].unit_price above the limit", "\"unit_price\":3.50", "\"unit_price\":10000000.01" },
    };

    private static readonly Dictionary<string, string> ExpectedField = new()
    {
        ["event_id missing"] = "event_id", ["event_id empty"] = "event_id",
        ["type unknown"] = "type", ["type missing"] = "type",
        ["customer_id a number"] = "customer_id", ["customer_id missing"] = "customer_id",
        ["occurred_at without offset"] = "occurred_at", ["occurred_at a date"] = "occurred_at", ["occurred_at garbage"] = "occurred_at",
        ["order_id missing"] = "order_id",
        ["currency foreign"] = "currency", ["currency a number"] = "currency",
        ["lines empty"] = "lines",
        ["lines[1].qty negative"] = "lines[1].qty", ["lines[1].qty zero"] = "lines[1].qty",
        ["lines[1].qty fractional"] = "lines[1].qty", ["lines[1].qty a string"] = "lines[1].qty",
        ["lines[1].sku missing"] = "lines[1].sku",
        ["lines[0].unit_price negative"] = "lines[0].unit_price", ["lines[0].unit_price missing"] = "lines[0].unit_price",
        ["lines[0].unit_price above the limit"] = "lines[0].unit_price",
    };

    [Theory]
    [MemberData(nameof(InvalidPurchases))]
    public void Invalid_purchase_is_refused_with_an_error_naming_the_field(string @case, string from, string to)
    {
        var error = AssertRejected(Read(Replace(Purchase, from, to)), ExpectedField[@case]);

        // once the event id could be read, the error carries it so the caller can report per event
        Assert.Equal(@case.StartsWith("event_id", StringComparison.Ordinal) ? null : "pos-17-000123", error.EventId);
    }

    [Theory]
    [InlineData("""{"event_id":"r-1","type":"return","customer_id":"C-1","occurred_at":"2026-11-20T10:15:00Z","order_id":"O-9","lines":[{"sku":"A","qty":-2}]}""", "lines[0].qty")]
    [InlineData("""{"event_id":"r-1","type":"return","customer_id":"C-1","occurred_at":"2026-11-20T10:15:00Z","lines":[{"sku":"A","qty":1}]}""", "order_id")]
    [InlineData("""{"event_id":"r-1","type":"return","customer_id":"C-1","occurred_at":"2026-11-20T10:15:00Z","order_id":"O-9","currency":"GBP","lines":[{"sku":"A","qty":1}]}""", "currency")]
    [InlineData("""{"event_id":"v-1","type":"view","customer_id":"C-1","occurred_at":"2026-11-20T10:15:00Z","sku":"A","dwell_seconds":-1}""", "dwell_seconds")]
    [InlineData("""{"event_id":"v-1","type":"view","customer_id":"C-1","occurred_at":"2026-11-20T10:15:00Z"}""", "sku")]
    [InlineData("""{"event_id":"w-1","type":"review","customer_id":"C-1","occurred_at":"2026-11-20T10:15:00Z","sku":"A","rating":6}""", "rating")]
    [InlineData("""{"event_id":"w-1","type":"review","customer_id":"C-1","occurred_at":"2026-11-20T10:15:00Z","sku":"A","rating":0}""", "rating")]
    [InlineData("""{"event_id":"w-1","type":"review","customer_id":"C-1","occurred_at":"2026-11-20T10:15:00Z","sku":"A","rating":4.5}""", "rating")]
    [InlineData("""{"event_id":"d-1","type":"redeem","customer_id":"C-1","occurred_at":"2026-11-20T10:15:00Z","points":0,"reward":"coffee"}""", "points")]
    [InlineData("""{"event_id":"d-1","type":"redeem","customer_id":"C-1","occurred_at":"2026-11-20T10:15:00Z","points":-100,"reward":"coffee"}""", "points")]
    [InlineData("""{"event_id":"d-1","type":"redeem","customer_id":"C-1","occurred_at":"2026-11-20T10:15:00Z","points":100}""", "reward")]
    public void Invalid_return_view_review_or_redeem_is_refused_with_an_error_naming_the_field(string json, string field)
    {
        AssertRejected(Read(json), field);
    }

    [Theory]
    [InlineData("[]")]
    [InlineData("\"purchase\"")]
    [InlineData("42")]
    [InlineData("null")]
    public void Event_that_is_not_a_json_object_is_refused_as_a_whole(string json)
    {
        var error = AssertRejected(Read(json), "");

        Assert.Null(error.EventId);
        Assert.Contains("object", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Id_longer_than_the_limit_is_refused()
    {
        var json = Replace(Purchase, "\"customer_id\":\"C-1001\"", $"\"customer_id\":\"{new string('c', 129)}\"");

        AssertRejected(Read(json), "customer_id");
    }

    [Fact]
    public void Purchase_with_more_lines_than_the_limit_is_refused()
    {
        AssertRejected(Read(Purchase, new WireLimits(MaxLines: 1)), "lines");
    }

    [Fact]
    public void Purchases_read_separately_share_one_instance_of_each_SKU_category_and_channel()
    {
        var first = Assert.IsType<RecordPurchase>(Read(Purchase).Command);
        var second = Assert.IsType<RecordPurchase>(Read(Replace(Purchase, "pos-17-000123", "pos-17-000124")).Command);

        for (var i = 0; i < first.Lines.Count; i++)
        {
            Assert.Same(first.Lines[i].Sku, second.Lines[i].Sku);
            Assert.Same(first.Lines[i].Category, second.Lines[i].Category);
        }

        Assert.Same(first.Channel, second.Channel);
        Assert.NotSame(first.EventId, second.EventId);
    }
}
