using System.Globalization;
using LoyaltyActors.Domain.Customers;
using LoyaltyActors.Domain.Wire;
using LoyaltyActors.Ingress.Replay;
using NodaTime;
using Xunit;

namespace LoyaltyActors.Ingress.Tests.Replay;

/// <summary>The replay readers on tiny synthetic files: each format's rules, row accounting and id determinism.</summary>
public sealed class ReplayReaderTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    // ---- ndjson ----

    private const string Ndjson =
        "{\"event_id\":\"e1\",\"type\":\"purchase\",\"customer_id\":\"C1\",\"occurred_at\":\"2026-11-20T10:15:00Z\",\"order_id\":\"O1\",\"lines\":[{\"sku\":\"S\",\"qty\":2,\"unit_price\":3.50}]}\r\n" +
        "\r\n" +
        "{not json\r\n" +
        "{\"event_id\":\"e2\",\"type\":\"purchase\",\"customer_id\":\"C1\",\"occurred_at\":\"2026-11-20T10:15:00Z\",\"order_id\":\"O2\",\"lines\":[]}\n" +
        "   \n" +
        "{\"event_id\":\"e3\",\"type\":\"view\",\"customer_id\":\"C2\",\"occurred_at\":\"2026-11-20T10:15:00+01:00\",\"sku\":\"S\"}";

    [Fact]
    public void Ndjson_reads_each_non_blank_line_through_the_wire_format()
    {
        var path = _dir.Write("events.ndjson", Ndjson);

        var items = Replays.ReadAll(path, ReplayFormat.Ndjson);

        Replays.AssertWellFormed(path, items, dataRows: 4);
        Assert.Equal([1L, 3, 4, 6], items.Select(i => i.Line));
        Assert.All(items, i => Assert.Equal("events.ndjson", i.Source));

        var purchase = Assert.IsType<RecordPurchase>(items[0].Command);
        Assert.Equal(("e1", "C1", "O1"), (purchase.EventId, purchase.CustomerId, purchase.OrderId));
        Assert.Equal(new PurchaseLineInput("S", "", 2, 3.50m), Assert.Single(purchase.Lines));

        Assert.Null(items[1].Command);
        Assert.StartsWith("invalid JSON", items[1].Error);
        Assert.Null(items[1].EventId);

        Assert.Null(items[2].Command);
        Assert.Equal("e2", items[2].EventId);
        Assert.StartsWith("lines:", items[2].Error);

        var view = Assert.IsType<RecordView>(items[3].Command);
        Assert.Equal(Instant.FromUtc(2026, 11, 20, 9, 15), view.OccurredAt);
    }

    [Fact]
    public void Ndjson_applies_the_deployment_currency()
    {
        var path = _dir.Write("usd.ndjson",
            "{\"event_id\":\"e1\",\"type\":\"purchase\",\"customer_id\":\"C1\",\"occurred_at\":\"2026-11-20T10:15:00Z\",\"order_id\":\"O1\",\"currency\":\"USD\",\"lines\":[{\"sku\":\"S\",\"qty\":1,\"unit_price\":1}]}\n");

        Assert.StartsWith("currency", Assert.Single(Replays.ReadAll(path, ReplayFormat.Ndjson)).Error);
        Assert.NotNull(Assert.Single(Replays.ReadAll(path, ReplayFormat.Ndjson, new WireLimits(Currency: "USD"))).Command);
    }

    // ---- CDNOW ----

    private const string CdnowMaster =
        "customer_id  date number_of_cds  dollar_value\r\n" +
        " 00001 19970101  1   11.77\r\n" +
        " 00002 19970112  1    0.00\r\n" +
        "\r\n" +
        " 00003 1997013x  2   20.00\r\n" +
        " 00004 19970101  2\r\n" +
        " 00005 19970101  x   1.00\r\n" +
        " 00006 19970101  1   1,00\r\n" +
        " 00007 19970228  3   29.33\r\n";

    [Fact]
    public void Cdnow_master_is_one_purchase_per_row_with_exact_dollars_and_ids_from_file_and_line()
    {
        var path = _dir.Write("CDNOW_master.txt", CdnowMaster);

        var items = Replays.ReadAll(path, ReplayFormat.Cdnow);

        Replays.AssertWellFormed(path, items, dataRows: 7);
        var commands = items.Where(i => i.IsCommand).Select(i => Assert.IsType<RecordPurchase>(i.Command)).ToList();
        Assert.Equal(["CDNOW_master.txt:2", "CDNOW_master.txt:3", "CDNOW_master.txt:9"], commands.Select(c => c.EventId));
        Assert.Equal(["00001", "00002", "00007"], commands.Select(c => c.CustomerId));

        var first = commands[0];
        Assert.Equal(first.EventId, first.OrderId);
        Assert.Equal(ReplayReader.CdnowChannel, first.Channel);
        Assert.Equal(Instant.FromUtc(1997, 1, 1, 0, 0), first.OccurredAt);
        Assert.Equal(new PurchaseLineInput("CD", "music", 1, 11.77m), Assert.Single(first.Lines));
        Assert.Equal(0m, commands[1].Lines[0].UnitPrice); // a zero-dollar row is a valid purchase
        Assert.Equal("29.33", commands[2].Lines[0].UnitPrice.ToString(System.Globalization.CultureInfo.InvariantCulture));

        var rejected = items.Where(i => !i.IsCommand).ToDictionary(i => i.Line, i => i.Error!);
        Assert.Equal([5L, 6, 7, 8], rejected.Keys.Order());
        Assert.StartsWith("column 2 (date)", rejected[5]);
        Assert.StartsWith("expected 4 whitespace-separated columns", rejected[6]);
        Assert.StartsWith("column 3 (number_of_cds)", rejected[7]);
        Assert.StartsWith("column 4 (dollar_value)", rejected[8]);
    }

    [Theory]
    [InlineData("19970101")]
    [InlineData("19970228")]
    [InlineData("19970229")] // not a leap year
    [InlineData("19960229")]
    [InlineData("19971301")]
    [InlineData("19970100")]
    [InlineData("19970431")]
    [InlineData("00000101")]
    [InlineData("99991231")]
    [InlineData("1997011")]
    [InlineData("199701011")]
    [InlineData("1997-1-1")]
    [InlineData("+9970101")]
    [InlineData("1997010a")]
    public void Cdnow_dates_are_read_as_the_yyyymmdd_pattern_reads_them(string text)
    {
        var path = _dir.Write("CDNOW_master.txt", $" 00001 {text}  1   11.77\n");
        var pattern = NodaTime.Text.LocalDatePattern.CreateWithInvariantCulture("uuuuMMdd").Parse(text);

        var item = Assert.Single(Replays.ReadAll(path, ReplayFormat.Cdnow));

        if (pattern.Success && text.Length == 8)
            Assert.Equal(pattern.Value.AtStartOfDayInZone(DateTimeZone.Utc).ToInstant(), item.Command!.OccurredAt);
        else
            Assert.StartsWith("column 2 (date)", item.Error);
    }

    [Fact]
    public void Cdnow_sample_keys_customers_by_the_sample_id_as_written()
    {
        var path = _dir.Write("CDNOW_sample.txt",
            " 00004 0001 19970101  2   29.33\r\n 00004 0001 19970118  2   29.73\r\n 00018 0002 19970102  1   14.96\r\n");

        var items = Replays.ReadAll(path, ReplayFormat.CdnowSample);

        Replays.AssertWellFormed(path, items, dataRows: 3);
        Assert.All(items, i => Assert.True(i.IsCommand));
        Assert.Equal(["0001", "0001", "0002"], items.Select(i => i.Command!.CustomerId));
        Assert.Equal(["CDNOW_sample.txt:1", "CDNOW_sample.txt:2", "CDNOW_sample.txt:3"], items.Select(i => i.EventId));
        Assert.Equal(Instant.FromUtc(1997, 1, 18, 0, 0), items[1].Command!.OccurredAt);
    }

    [Fact]
    public void Cdnow_master_layout_refuses_sample_rows_and_the_other_way_round()
    {
        var sample = _dir.Write("s.txt", " 00004 0001 19970101  2   29.33\r\n");
        var master = _dir.Write("m.txt", " 00001 19970101  1   11.77\r\n");

        Assert.StartsWith("expected 4", Assert.Single(Replays.ReadAll(sample, ReplayFormat.Cdnow)).Error);
        Assert.StartsWith("expected 5", Assert.Single(Replays.ReadAll(master, ReplayFormat.CdnowSample)).Error);
    }

    [Fact]
    public void Generated_commands_respect_the_wire_limits()
    {
        var path = _dir.Write("CDNOW_master.txt", CdnowMaster);

        var items = Replays.ReadAll(path, ReplayFormat.Cdnow, new WireLimits(MaxUnitPrice: 20m));

        Assert.Contains(items, i => i.Line == 9 && i.Error!.Contains("above the limit"));
        Assert.Equal(7, items.Sum(i => i.Rows));
    }

    // ---- baskets ----

    [Fact]
    public void Baskets_are_trimmed_deduplicated_sets_numbered_by_line()
    {
        var path = _dir.Write("groceries.csv",
            "citrus fruit,semi-finished bread,margarine,ready soups\n" +
            "cream cheese ,whole milk, cream cheese\n" +
            "\n" +
            ",, \n" +
            "whole milk");

        var items = Replays.ReadAll(path, ReplayFormat.Baskets);

        Replays.AssertWellFormed(path, items, dataRows: 4);
        var b2 = Assert.IsType<RecordPurchase>(items[1].Command);
        Assert.Equal(("groceries.csv:basket-2", "basket-2", "basket-2"), (b2.EventId, b2.CustomerId, b2.OrderId));
        Assert.Equal([new PurchaseLineInput("cream cheese", "", 1, 0m), new PurchaseLineInput("whole milk", "", 1, 0m)], b2.Lines);
        Assert.Equal(ReplayReader.BasketEpoch + Duration.FromSeconds(2), b2.OccurredAt);
        Assert.Equal(4, Assert.IsType<RecordPurchase>(items[0].Command).Lines.Count);

        Assert.Equal(4, items[2].Line);
        Assert.Equal("the basket has no items", items[2].Error);

        var b5 = Assert.IsType<RecordPurchase>(items[3].Command);
        Assert.Equal(("basket-5", ReplayReader.BasketEpoch + Duration.FromSeconds(5)), (b5.CustomerId, b5.OccurredAt));
    }

    // ---- online retail ----

    private const string Header = "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country";

    private static readonly string Day1 = string.Join("\r\n",
        Header,                                                                                          // 1
        "536365,85123A,WHITE HANGING HEART T-LIGHT HOLDER,6,2010-12-01 08:26:00,2.55,17850.0,United Kingdom", // 2
        "536365,22633,\"HAND WARMER, UNION JACK\",6,2010-12-01 08:26:00,0,17850.0,United Kingdom",     // 3 zero price: valid
        "536365,22000,ADJUST,-2,2010-12-01 08:26:00,1.00,17850.0,United Kingdom",                      // 4 adjustment
        "536366,85123A,\"RECORD FRAME 7\"\" SINGLE\",4,2010-12-01 09:00:00,2.55,17850.0,United Kingdom",  // 5
        "536367,22111,NO CUSTOMER,1,2010-12-01 09:10:00,1.00,,United Kingdom",                         // 6
        "536367,22112,NO CUSTOMER,1,2010-12-01 09:10:00,1.00,,United Kingdom",                         // 7
        "536368,85123A,OTHER,1,2010-12-01 09:15:00,bad,13047.0,United Kingdom",                        // 8 bad price
        "",                                                                                              // 9
        "536369,22,\"MULTI",                                                                            // 10
        "LINE\",1,2010-12-01 10:00:00,1.5,13047.0,United Kingdom",                                     // 11
        "536370,22,X,1,2010-12-01 10:00:00,1.5,13047.0",                                               // 12 7 fields
        "");

    private static readonly string Day2 = string.Join("\n",
        Header,                                                                        // 1
        "C536379,85123A,WHITE HANGING HEART,-8,2010-12-02 09:41:00,2.55,17850.0,UK",   // 2 4 from 536366 + 4 from 536365
        "C536379,99999,UNKNOWN,-1,2010-12-02 09:41:00,1.00,17850.0,UK",                // 3 never bought
        "C536379,85123A,WHITE,-3,2010-12-02 09:41:00,2.55,17850.0,UK",                 // 4 only 2 left
        "C536380,22633,HAND WARMER,-6,2010-12-02 09:45:00,0,17850.0,UK",               // 5 back to 536365
        "A563185,B,Adjust bad debt,1,2010-12-02 09:50:00,11062.06,,United Kingdom",    // 6
        "536381,82567,\"AIRLINE LOUNGE,METAL SIGN\",2,2010-12-02 10:00:00,2.1,15311.0,UK", // 7
        "536382,1,X,1,2010-12-02 10:00:00,1,15311.0,UK",                               // 8
        "536381,82568,OTHER,1,2010-12-02 10:01:00,2.1,15311.0,UK",                     // 9 rejoins 536381
        "C536383,82567,X,1,2010-12-02 11:00:00,2.1,15311.0,UK",                        // 10 positive in a C invoice
        "536384,M,Manual,1,2010-12-02 12:00:00,-5,15311.0,UK",                         // 11 negative price
        "536385,22,X,1,2010-06-15 00:30:00,1,15311.0,UK");                             // 12 BST

    private string OnlineRetailFolder()
    {
        _dir.Write("retail/2010-12-02.csv", Day2); // written first: the reader must order by name
        _dir.Write("retail/2010-12-01.csv", Day1);
        return Path.Combine(_dir.Path, "retail");
    }

    [Fact]
    public void Online_retail_accounts_for_every_row()
    {
        var path = OnlineRetailFolder();

        var items = Replays.ReadAll(path, ReplayFormat.OnlineRetail);

        Replays.AssertWellFormed(path, items, dataRows: 9 + 11);
        Assert.Equal(ReplayReader.TotalBytes(path), new FileInfo(Path.Combine(path, "2010-12-01.csv")).Length + new FileInfo(Path.Combine(path, "2010-12-02.csv")).Length);
    }

    [Fact]
    public void Online_retail_invoices_become_purchases_of_their_valid_rows()
    {
        var items = Replays.ReadAll(OnlineRetailFolder(), ReplayFormat.OnlineRetail);
        var byId = items.Where(i => i.IsCommand).ToDictionary(i => i.EventId!);

        var first = byId["ore:536365"];
        Assert.Equal(("2010-12-01.csv", 2L, 2), (first.Source, first.Line, first.Rows));
        var p = Assert.IsType<RecordPurchase>(first.Command);
        Assert.Equal(("17850", "536365", OnlineRetailReader.Channel), (p.CustomerId, p.OrderId, p.Channel));
        Assert.Equal(Instant.FromUtc(2010, 12, 1, 8, 26), p.OccurredAt);
        Assert.Equal([new PurchaseLineInput("85123A", "", 6, 2.55m), new PurchaseLineInput("22633", "", 6, 0m)], p.Lines);

        var split = byId["ore:536381"];
        Assert.Equal(2, split.Rows);
        Assert.Equal(["82567", "82568"], ((RecordPurchase)split.Command!).Lines.Select(l => l.Sku));

        Assert.Equal(Instant.FromUtc(2010, 6, 14, 23, 30), byId["ore:536385"].Command!.OccurredAt); // 00:30 BST
        Assert.Equal(1, byId["ore:536369"].Rows); // a quoted line break keeps one record

        Assert.DoesNotContain("ore:536367", byId.Keys);
        Assert.DoesNotContain("ore:536368", byId.Keys);
        Assert.DoesNotContain("ore:536384", byId.Keys);
    }

    [Fact]
    public void Online_retail_rejections_name_the_reason()
    {
        var rejected = Replays.ReadAll(OnlineRetailFolder(), ReplayFormat.OnlineRetail)
            .Where(i => !i.IsCommand).ToDictionary(i => (i.Source, i.Line));

        string Error(string day, long line) => rejected[($"{day}.csv", line)].Error!;
        Assert.StartsWith("Quantity: -2 ≤ 0 in sale invoice 536365", Error("2010-12-01", 4));
        Assert.Equal("no CustomerID", Error("2010-12-01", 6));
        Assert.Equal(2, rejected[("2010-12-01.csv", 6)].Rows);
        Assert.StartsWith("UnitPrice: 'bad'", Error("2010-12-01", 8));
        Assert.Equal("has 7 fields; the header has 8", Error("2010-12-01", 12));
        Assert.StartsWith("Quantity: cancels 1 unit(s) of StockCode 99999 but customer 17850 has only 0", Error("2010-12-02", 3));
        Assert.StartsWith("Quantity: cancels 3 unit(s) of StockCode 85123A but customer 17850 has only 2", Error("2010-12-02", 4));
        Assert.StartsWith("bad-debt adjustment", Error("2010-12-02", 6));
        Assert.StartsWith("Quantity: 1 ≥ 0 in cancellation invoice C536383", Error("2010-12-02", 10));
        Assert.StartsWith("UnitPrice: -5 < 0", Error("2010-12-02", 11));
        Assert.Equal(9, rejected.Count);
    }

    [Fact]
    public void Cancellations_are_returns_allocated_to_the_newest_earlier_orders()
    {
        var items = Replays.ReadAll(OnlineRetailFolder(), ReplayFormat.OnlineRetail);
        var returns = items.Where(i => i.Command is RecordReturn).ToList();

        Assert.Equal(["ore:C536379:536366", "ore:C536379:536365", "ore:C536380:536365"], returns.Select(r => r.EventId));
        var newest = (RecordReturn)returns[0].Command!;
        Assert.Equal(("17850", "536366"), (newest.CustomerId, newest.OrderId));
        Assert.Equal([new ReturnLineInput("85123A", 4)], newest.Lines);
        Assert.Equal(Instant.FromUtc(2010, 12, 2, 9, 41), newest.OccurredAt);
        Assert.Equal([new ReturnLineInput("85123A", 4)], ((RecordReturn)returns[1].Command!).Lines);
        Assert.Equal([new ReturnLineInput("22633", 6)], ((RecordReturn)returns[2].Command!).Lines);
        Assert.Equal([1, 0, 1], returns.Select(r => r.Rows)); // the row split over two orders is counted once

        // The domain accepts every command in the order read: the allocation never exceeds what was bought.
        var states = new Dictionary<string, CustomerState>();
        Assert.Empty(Replays.Fold(items.Where(i => i.IsCommand).Select(i => i.Command!), states));
        Assert.Equal(6 * 2.55m + 4 * 2.55m - 8 * 2.55m, states["17850"].NetSpend);
    }

    [Fact]
    public void Online_retail_fields_are_unquoted_and_trimmed_like_any_other()
    {
        var path = _dir.Write("quoted.csv", string.Join("\n",
            Header,
            "\" 536390 \",\"85\"\"A \", X ,\" 3 \",\"2010-12-03 10:00:00 \", 1.25 ,\" 12346.0\",UK",
            "536390,\"85\"\"A\",Y,2,2010-12-03 10:00:00,1.25,12346,UK",
            "536391,\"S\u0001\",Z,1,2010-12-03 10:05:00,1,12346,UK",
            "536392,\"S\u0001\",Z,1,2010-12-03 10:06:00,1,12346,UK") + "\n");

        var items = Replays.ReadAll(path, ReplayFormat.OnlineRetail);

        Replays.AssertWellFormed(path, items, dataRows: 4);
        var purchase = Assert.IsType<RecordPurchase>(Assert.Single(items, i => i.IsCommand).Command);
        Assert.Equal(("ore:536390", "12346"), (purchase.EventId, purchase.CustomerId));
        Assert.Equal([new PurchaseLineInput("85\"A", "", 3, 1.25m), new PurchaseLineInput("85\"A", "", 2, 1.25m)], purchase.Lines);
        // An id's verdict is worked out once per distinct id, and given to every row that has it.
        Assert.Equal([4L, 5L], items.Where(i => !i.IsCommand).Select(i => i.Line));
        Assert.All(items.Where(i => !i.IsCommand), i => Assert.Equal("StockCode: must not contain control characters", i.Error));
    }

    [Fact]
    public void An_invoice_number_that_comes_back_after_its_invoice_closed_is_rejected()
    {
        var lines = new List<string> { Header, "100000,A,X,1,2011-01-01 10:00:00,1,1.0,UK" };
        for (var i = 0; i < OnlineRetailReader.Lookahead; i++) lines.Add($"{200000 + i},A,X,1,2011-01-01 10:00:00,1,2.0,UK");
        lines.Add("100000,B,X,1,2011-01-01 10:00:00,1,1.0,UK");
        var path = _dir.Write("late.csv", string.Join("\n", lines) + "\n");

        var items = Replays.ReadAll(path, ReplayFormat.OnlineRetail);

        Replays.AssertWellFormed(path, items, dataRows: OnlineRetailReader.Lookahead + 2);
        var late = Assert.Single(items, i => !i.IsCommand);
        Assert.Equal(lines.Count, late.Line);
        Assert.Contains("InvoiceNo 100000 already ended at late.csv line 2", late.Error);
    }

    [Fact]
    public void A_file_without_the_header_is_rejected_as_a_whole()
    {
        _dir.Write("mixed/a.csv", Day2);
        _dir.Write("mixed/b-readme.csv", "some,notes\n1,2\n\n3,4\n");
        var path = Path.Combine(_dir.Path, "mixed");

        var items = Replays.ReadAll(path, ReplayFormat.OnlineRetail);

        Replays.AssertWellFormed(path, items, dataRows: 11 + 2);
        var bad = Assert.Single(items, i => i.Source == "b-readme.csv");
        Assert.Equal((2L, 2), (bad.Line, bad.Rows));
        Assert.Contains("missing columns InvoiceNo", bad.Error);
    }

    [Fact]
    public void Online_retail_limits_apply_per_invoice()
    {
        var items = Replays.ReadAll(OnlineRetailFolder(), ReplayFormat.OnlineRetail, new WireLimits(MaxLines: 1));

        var big = Assert.Single(items, i => i.Source == "2010-12-01.csv" && i.Line == 2);
        Assert.Equal((2, "lines: 2 lines; at most 1 are allowed"), (big.Rows, big.Error));
        Assert.Equal(20, items.Sum(i => i.Rows));
    }

    [Theory]
    [InlineData("2010-12-01 08:26:00", 2010, 12, 1, 8, 26)]
    [InlineData("2011-06-01 08:26:00", 2011, 6, 1, 7, 26)]    // BST
    [InlineData("12/1/2010 8:26", 2010, 12, 1, 8, 26)]        // the single-file export
    [InlineData("2011-03-27 01:30:00", 2011, 3, 27, 1, 30)]   // in the spring gap: lenient → 02:30 BST
    [InlineData("2011-10-30 01:30:00", 2011, 10, 30, 0, 30)]  // ambiguous: lenient → the earlier (BST)
    public void Invoice_dates_are_uk_local_time(string text, int y, int mo, int d, int h, int mi) =>
        Assert.Equal(Instant.FromUtc(y, mo, d, h, mi), OnlineRetailReader.ParseDate(text));

    [Fact]
    public void Invoice_dates_read_without_a_pattern_are_what_the_pattern_reads()
    {
        // Fields around and beyond their ranges (month 13, 31 February, hour 24, minute 60, year 0999), now and then a
        // non-digit, with and without seconds: whatever the digit reader accepts, the pattern accepts with the same value.
        var random = new Random(7);
        var withSeconds = NodaTime.Text.LocalDateTimePattern.CreateWithInvariantCulture("uuuu-MM-dd HH:mm:ss");
        var withoutSeconds = NodaTime.Text.LocalDateTimePattern.CreateWithInvariantCulture("uuuu-MM-dd HH:mm");
        var read = 0;
        for (var i = 0; i < 100_000; i++)
        {
            string Field(int below, int width) =>
                random.Next(60) == 0 ? new string('x', width) : random.Next(below).ToString(new string('0', width), CultureInfo.InvariantCulture);
            var text = $"{Field(10_000, 4)}-{Field(14, 2)}-{Field(33, 2)} {Field(26, 2)}:{Field(62, 2)}" + (random.Next(2) == 0 ? ":" + Field(62, 2) : "");
            var pattern = (text.Length == 19 ? withSeconds : withoutSeconds).Parse(text);
            if (!OnlineRetailReader.TryReadIsoLocal(text, out var local)) continue;
            read++;
            Assert.True(pattern.Success, text);
            Assert.Equal(pattern.Value, local);
        }

        Assert.InRange(read, 30_000, 100_000);
    }

    [Theory]
    [InlineData("17850.0", "17850")]
    [InlineData("17850", "17850")]
    [InlineData("12346.00", "12346")]
    [InlineData("17850.5", null)]
    [InlineData("C17850", null)]
    [InlineData(".0", null)]
    public void Customer_ids_drop_the_float_suffix(string text, string? expected) =>
        Assert.Equal(expected, OnlineRetailReader.NormalizeCustomer(text));

    // ---- all formats ----

    [Fact]
    public void Every_format_yields_the_same_ids_on_a_second_read()
    {
        var inputs = new (string Path, ReplayFormat Format)[]
        {
            (_dir.Write("events.ndjson", Ndjson), ReplayFormat.Ndjson),
            (_dir.Write("CDNOW_master.txt", CdnowMaster), ReplayFormat.Cdnow),
            (_dir.Write("groceries.csv", "a,b\nc\n"), ReplayFormat.Baskets),
            (OnlineRetailFolder(), ReplayFormat.OnlineRetail),
        };
        foreach (var (path, format) in inputs)
        {
            var first = Replays.ReadAll(path, format).Select(i => (i.EventId, i.Source, i.Line, i.Rows, i.Error)).ToList();
            var second = Replays.ReadAll(path, format).Select(i => (i.EventId, i.Source, i.Line, i.Rows, i.Error)).ToList();
            Assert.Equal(first, second);
        }
    }

    [Fact]
    public void A_folder_is_read_in_ordinal_name_order_with_cumulative_progress()
    {
        _dir.Write("many/b.txt", " 00002 19970102  1   2.00\r\n");
        _dir.Write("many/a.txt", " 00001 19970101  1   1.00\r\n");
        _dir.Write("many/B.txt", " 00003 19970103  1   3.00\r\n");
        _dir.Write("many/.hidden", "junk\n");
        var path = Path.Combine(_dir.Path, "many");

        var items = Replays.ReadAll(path, ReplayFormat.Cdnow);

        Replays.AssertWellFormed(path, items, dataRows: 3);
        Assert.Equal(["B.txt:1", "a.txt:1", "b.txt:1"], items.Select(i => i.EventId));
        Assert.Equal(ReplayReader.TotalBytes(path), items.Sum(i => new FileInfo(Path.Combine(path, i.Source)).Length));
    }

    [Fact]
    public void Reading_is_lazy()
    {
        var path = _dir.Write("CDNOW_master.txt", CdnowMaster);
        var items = ReplayReader.Read(path, ReplayFormat.Cdnow, WireLimits.Default);
        File.Delete(path); // the path was checked, but the file is opened only when enumerated: it is gone by then
        Assert.Throws<FileNotFoundException>(() => items.First());
    }
}
