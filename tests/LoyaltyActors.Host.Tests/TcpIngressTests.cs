using System.Text;
using System.Text.Json.Nodes;
using Xunit;
using Xunit.Abstractions;
using static LoyaltyActors.Host.Tests.WireEvents;

namespace LoyaltyActors.Host.Tests;

/// <summary>One open (no keys) host with a small TCP line limit and a short idle timeout.</summary>
public sealed class TcpHost : IAsyncLifetime
{
    public const int MaxLineBytes = 1024;
    public const int IdleTimeoutSeconds = 3;
    public const int MaxConnections = 25;

    public LoyaltyHostProcess Host { get; private set; } = null!;

    public async Task InitializeAsync() =>
        Host = await LoyaltyHostProcess.StartAsync(environment: new Dictionary<string, string>
        {
            ["Loyalty__Tcp__MaxLineBytes"] = MaxLineBytes.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Loyalty__Tcp__IdleTimeoutSeconds"] = IdleTimeoutSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Loyalty__Tcp__MaxConnections"] = MaxConnections.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });

    public async Task DisposeAsync()
    {
        if (Host is not null) await Host.DisposeAsync();
    }
}

/// <summary>CONTRACT, TCP: NDJSON in, one ack per event after it is persisted, in order; bad lines are rejected, the connection stays usable.</summary>
public sealed class TcpIngressTests(TcpHost fixture, ITestOutputHelper output) : IClassFixture<TcpHost>
{
    private LoyaltyHostProcess Host => fixture.Host;

    [Fact]
    public async Task Each_event_line_gets_one_ack_in_order_after_it_is_persisted_and_empty_lines_get_none()
    {
        await using var till = await TcpTill.ConnectAsync(Host);
        var purchase = Purchase("t1-p", "t1-cust", "2025-03-01T10:00:00+01:00", "t1-o", new SentLine("sku-a", "dairy", 2, 3.25m));
        await till.WriteLineAsync(purchase.ToJsonString());
        await till.WriteLineAsync("");
        await till.WriteLineAsync("   \r");
        await till.WriteLineAsync(View("t1-v", "t1-cust", "2025-03-02T10:00:00Z", "sku-b", 12).ToJsonString());
        await till.WriteLineAsync(purchase.ToJsonString());

        Assert.Equal(("t1-p", "accepted", (string?)null), await till.ReadAckAsync());
        Assert.Equal(("t1-v", "accepted", (string?)null), await till.ReadAckAsync());
        Assert.Equal(("t1-p", "duplicate", (string?)null), await till.ReadAckAsync());

        // Acked means persisted: the profile already holds both events.
        var profile = await Host.GetProfileAsync("t1-cust");
        Assert.Equal(1, profile.GetProperty("orders").GetInt32());
        Assert.Equal(1, profile.GetProperty("views").GetInt32());
        Assert.Equal(6.50m, profile.GetProperty("monetary_total").GetDecimal());
    }

    [Fact]
    public async Task Hostile_lines_are_rejected_one_by_one_and_the_good_lines_around_them_are_persisted()
    {
        var before = await RejectionCountsAsync();
        await using var till = await TcpTill.ConnectAsync(Host);
        var good1 = View("t2-good-1", "t2-cust", "2025-03-01T10:00:00Z", "sku", 1).ToJsonString();
        var unknownFields = View("t2-extra", "t2-cust", "2025-03-01T10:00:00Z", "sku", 1);
        unknownFields["till_firmware"] = "7.1";
        unknownFields["nested"] = new JsonObject { ["x"] = new JsonArray(1, 2) };
        var foreignCurrency = Purchase("t2-usd", "t2-cust", "2025-03-01T10:00:00Z", "t2-o", new SentLine("s", "c", 1, 1m));
        foreignCurrency["currency"] = "USD";
        var hugeQty = Purchase("t2-huge", "t2-cust", "2025-03-01T10:00:00Z", "t2-o2", new SentLine("s", "c", 1, 1m)).ToJsonString()
            .Replace("\"qty\":1", "\"qty\":1e400");
        var nanPrice = Purchase("t2-nan", "t2-cust", "2025-03-01T10:00:00Z", "t2-o3", new SentLine("s", "c", 1, 1m)).ToJsonString()
            .Replace("\"unit_price\":1", "\"unit_price\":NaN");
        var unknownType = View("t2-type", "t2-cust", "2025-03-01T10:00:00Z", "sku", 1);
        unknownType["type"] = "teleport";
        var longLine = View("t2-long", "t2-cust", "2025-03-01T10:00:00Z", new string('x', TcpHost.MaxLineBytes * 3), 1).ToJsonString();

        await till.WriteLineAsync(good1);
        await till.WriteLineAsync("{\"event_id\":\"t2-trunc\",\"type\":\"vi");                    // truncated JSON
        await till.WriteAsync([.. Encoding.UTF8.GetBytes("{\"event_id\":\"t2-utf\",\"x\":\""), 0xC3, 0x28, .. "\"}\n"u8.ToArray()]); // invalid UTF-8
        await till.WriteLineAsync(unknownFields.ToJsonString());
        await till.WriteLineAsync(foreignCurrency.ToJsonString());
        await till.WriteLineAsync(hugeQty);
        await till.WriteLineAsync(nanPrice);
        await till.WriteLineAsync(unknownType.ToJsonString());
        await till.WriteLineAsync("[1,2,3]");
        await till.WriteLineAsync(longLine);
        await till.WriteLineAsync(View("t2-good-2", "t2-cust", "2025-03-01T10:00:00Z", "sku", 1).ToJsonString());

        var acks = new List<(string? EventId, string Status, string? Error)>();
        for (var i = 0; i < 11; i++) acks.Add(await till.ReadAckAsync());
        output.WriteLine(string.Join('\n', acks));

        Assert.Equal(
            ["accepted", "rejected", "rejected", "accepted", "rejected", "rejected", "rejected", "rejected", "rejected", "rejected", "accepted"],
            acks.Select(a => a.Status));
        Assert.Equal("t2-good-1", acks[0].EventId);
        Assert.Equal("t2-extra", acks[3].EventId);
        Assert.StartsWith("currency:", acks[4].Error);
        Assert.Equal("t2-huge", acks[5].EventId);
        Assert.Contains("qty", acks[5].Error);
        Assert.Contains("type", acks[7].Error);
        Assert.Contains("Loyalty:Tcp:MaxLineBytes", acks[9].Error);
        Assert.Equal("t2-good-2", acks[10].EventId);

        Assert.Equal(3, (await Host.GetProfileAsync("t2-cust")).GetProperty("views").GetInt32());

        var after = await RejectionCountsAsync();
        Assert.Equal(2, after["invalid_json"] - before["invalid_json"]); // truncated and NaN
        Assert.Equal(1, after["invalid_utf8"] - before["invalid_utf8"]);
        Assert.Equal(1, after["currency"] - before["currency"]);
        Assert.Equal(1, after["line_too_long"] - before["line_too_long"]);
        Assert.Equal(3, after["invalid_event"] - before["invalid_event"]); // huge qty, unknown type, not an object
    }

    [Fact]
    public async Task A_line_longer_than_the_limit_without_a_newline_yet_is_rejected_and_the_rest_of_it_skipped()
    {
        await using var till = await TcpTill.ConnectAsync(Host);
        // Sent in pieces: the server sees more than MaxLineBytes with no newline before the line ends.
        var huge = View("t3-long", "t3-cust", "2025-03-01T10:00:00Z", new string('y', TcpHost.MaxLineBytes * 40), 1).ToJsonString();
        var bytes = Encoding.UTF8.GetBytes(huge);
        for (var offset = 0; offset < bytes.Length; offset += 4096)
            await till.WriteAsync(bytes[offset..Math.Min(bytes.Length, offset + 4096)]);
        await till.WriteLineAsync("");
        await till.WriteLineAsync(View("t3-after", "t3-cust", "2025-03-01T10:00:00Z", "sku", 1).ToJsonString());

        var first = await till.ReadAckAsync();
        Assert.Equal("rejected", first.Status);
        Assert.Contains("Loyalty:Tcp:MaxLineBytes", first.Error);
        Assert.Equal(("t3-after", "accepted", (string?)null), await till.ReadAckAsync());
    }

    [Fact]
    public async Task A_last_line_without_newline_is_acknowledged_before_the_server_closes()
    {
        await using var till = await TcpTill.ConnectAsync(Host);
        await till.WriteAsync(Encoding.UTF8.GetBytes(View("t4-last", "t4-cust", "2025-03-01T10:00:00Z", "sku", 1).ToJsonString()));
        till.ShutdownSend();

        Assert.Equal(("t4-last", "accepted", (string?)null), await till.ReadAckAsync());
        Assert.Null(await till.ReadLineAsync());
    }

    [Fact]
    public async Task An_idle_connection_is_closed_by_the_server()
    {
        await using var till = await TcpTill.ConnectAsync(Host);
        await till.WriteLineAsync(View("t5-v", "t5-cust", "2025-03-01T10:00:00Z", "sku", 1).ToJsonString());
        Assert.Equal("accepted", (await till.ReadAckAsync()).Status);

        // Nothing more is sent: the server closes after Loyalty:Tcp:IdleTimeoutSeconds (the read is bounded at 60 s).
        Assert.Null(await till.ReadLineAsync());
    }

    [Fact]
    public async Task Many_tills_at_once_each_get_their_own_acks()
    {
        const int tills = 20, perTill = 30;
        await Task.WhenAll(Enumerable.Range(0, tills).Select(async t =>
        {
            await using var till = await TcpTill.ConnectAsync(Host);
            var sb = new StringBuilder();
            for (var i = 0; i < perTill; i++)
                sb.Append(View($"t6-{t}-{i}", $"t6-cust-{i % 5}", "2025-03-01T10:00:00Z", "sku", 1).ToJsonString()).Append('\n');
            await till.WriteAsync(Encoding.UTF8.GetBytes(sb.ToString()));
            for (var i = 0; i < perTill; i++) Assert.Equal(($"t6-{t}-{i}", "accepted", (string?)null), await till.ReadAckAsync());
        }));

        for (var c = 0; c < 5; c++)
            Assert.Equal(tills * perTill / 5, (await Host.GetProfileAsync($"t6-cust-{c}")).GetProperty("views").GetInt32());
    }

    [Fact]
    public async Task A_connection_beyond_MaxConnections_is_told_so_and_closed()
    {
        // Connections of earlier tests close asynchronously on the server: start from none (bounded poll).
        var deadline = System.Diagnostics.Stopwatch.StartNew();
        while (await MetricsScrape.ValueAsync(Host, "loyalty_tcp_connections") > 0)
        {
            Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(60), "earlier connections never closed");
            await Task.Delay(50);
        }

        var open = new List<TcpTill>();
        try
        {
            for (var i = 0; i < TcpHost.MaxConnections; i++)
            {
                // Empty lines (ignored, no ack) keep the earlier connections from reaching the idle timeout.
                foreach (var earlier in open) await earlier.WriteLineAsync("");
                var till = await TcpTill.ConnectAsync(Host);
                open.Add(till);
                await till.WriteLineAsync(View($"t7-{i}", "t7-cust", "2025-03-01T10:00:00Z", "sku", 1).ToJsonString());
                Assert.Equal("accepted", (await till.ReadAckAsync()).Status); // the server has taken this connection
            }

            await using var extra = await TcpTill.ConnectAsync(Host);
            var refusal = await extra.ReadLineAsync();
            Assert.Contains("Loyalty:Tcp:MaxConnections", refusal);
            Assert.Null(await extra.ReadLineAsync());
        }
        finally
        {
            foreach (var till in open) await till.DisposeAsync();
        }
    }

    [Fact]
    public async Task Serve_prints_the_tcp_address_it_listens_on()
    {
        Assert.NotEqual(0, Host.TcpEndPoint.Port);
        Assert.Contains($"loyalty: listening on tcp://{Host.TcpEndPoint} (TCP)", Host.Log);
        await Task.CompletedTask;
    }

    private async Task<Dictionary<string, double>> RejectionCountsAsync()
    {
        var counts = new Dictionary<string, double>();
        foreach (var reason in new[] { "invalid_json", "invalid_utf8", "currency", "line_too_long", "invalid_event" })
            counts[reason] = await MetricsScrape.ValueAsync(Host, MetricsScrape.Rejected("tcp", reason));
        return counts;
    }
}
