using System.Diagnostics;
using System.Text;
using Xunit;
using Xunit.Abstractions;
using static LoyaltyActors.Host.Tests.WireEvents;

namespace LoyaltyActors.Host.Tests;

/// <summary>A host whose TCP connections read at most <see cref="MaxBatchLines"/> lines before acknowledging them.</summary>
public sealed class TcpLoadHost : IAsyncLifetime
{
    public const int MaxBatchLines = 50;

    public LoyaltyHostProcess Host { get; private set; } = null!;

    public async Task InitializeAsync() =>
        Host = await LoyaltyHostProcess.StartAsync(environment: new Dictionary<string, string>
        {
            ["Loyalty__Tcp__MaxBatchLines"] = MaxBatchLines.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Loyalty__Aggregators__Enabled"] = "false",
        });

    public async Task DisposeAsync()
    {
        if (Host is not null) await Host.DisposeAsync();
    }
}

/// <summary>
/// Many tills at once, and tills faster than the journal: every acked event is in the journal, and the server
/// holds at most MaxBatchLines unacknowledged lines per connection instead of reading ahead without bound.
/// </summary>
public sealed class TcpLoadTests(TcpLoadHost fixture, ITestOutputHelper output) : IClassFixture<TcpLoadHost>
{
    private LoyaltyHostProcess Host => fixture.Host;

    [Fact]
    public async Task Fifty_pipelining_tills_get_every_event_acked_and_every_acked_event_is_in_the_journal()
    {
        const int tills = 50, perTill = 400, customers = 250;
        var expectedViews = new int[customers];
        for (var t = 0; t < tills; t++)
        for (var i = 0; i < perTill; i++)
            expectedViews[(t * perTill + i) % customers]++;

        var watch = Stopwatch.StartNew();
        var acked = await Task.WhenAll(Enumerable.Range(0, tills).Select(async t =>
        {
            await using var till = await TcpTill.ConnectAsync(Host);
            var sb = new StringBuilder();
            for (var i = 0; i < perTill; i++)
            {
                var n = t * perTill + i;
                sb.Append(View($"load-{n}", $"load-cust-{n % customers}", "2025-05-01T08:00:00Z", $"sku-{i % 7}", 1).ToJsonString()).Append('\n');
            }

            // The whole till's input at once, read concurrently: the server paces it.
            var write = till.WriteAsync(Encoding.UTF8.GetBytes(sb.ToString()));
            var accepted = 0;
            for (var i = 0; i < perTill; i++)
            {
                var ack = await till.ReadAckAsync();
                Assert.Equal($"load-{t * perTill + i}", ack.EventId);
                Assert.Equal("accepted", ack.Status);
                accepted++;
            }

            await write;
            return accepted;
        }));
        output.WriteLine($"{tills * perTill} events over {tills} connections acked in {watch.Elapsed.TotalSeconds:F1} s");
        Assert.Equal(tills * perTill, acked.Sum());

        for (var c = 0; c < customers; c++)
            Assert.Equal(expectedViews[c], (await Host.GetProfileAsync($"load-cust-{c}")).GetProperty("views").GetInt32());

        var peak = await MetricsScrape.ValueAsync(Host, "loyalty_tcp_inflight_events_peak");
        output.WriteLine($"peak in-flight lines: {peak}");
        Assert.InRange(peak, 1, tills * TcpLoadHost.MaxBatchLines);
    }

    [Fact]
    public async Task A_till_that_does_not_read_its_acks_is_no_longer_read_so_its_writes_block_until_it_reads()
    {
        const int events = 20_000; // ~3 MB of input: far more than the socket buffers on both sides hold
        var acceptedBefore = await MetricsScrape.ValueAsync(Host, MetricsScrape.Events("tcp", "accepted"));
        await using var till = await TcpTill.ConnectAsync(Host, receiveBufferBytes: 4096, sendBufferBytes: 16 * 1024);
        var lines = new StringBuilder();
        for (var i = 0; i < events; i++)
            lines.Append(View($"bp-{i}", $"bp-cust-{i % 100}", "2025-05-01T08:00:00Z", "sku", 1).ToJsonString()).Append('\n');
        var input = Encoding.UTF8.GetBytes(lines.ToString());
        var writer = Task.Run(async () =>
        {
            for (var offset = 0; offset < input.Length; offset += 64 * 1024)
                await till.Stream.WriteAsync(input.AsMemory(offset, Math.Min(64 * 1024, input.Length - offset)));
        });

        // The server reports it cannot hand this connection its acks (bounded poll, 60 s).
        var deadline = Stopwatch.StartNew();
        while (await MetricsScrape.ValueAsync(Host, "loyalty_tcp_connections_waiting_for_ack_reader") < 1)
        {
            Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(60), $"the server never waited for the ack reader\n{Host.Log}");
            Assert.False(writer.IsCompleted, "the whole input was taken before the server blocked on acks: it reads ahead without bound");
            await Task.Delay(50);
        }

        // While acks are unread the server reads nothing more: the input cannot all have been taken.
        Assert.False(writer.IsCompleted, "the client could write all its input although it reads no acks");
        var acceptedSoFar = await MetricsScrape.ValueAsync(Host, MetricsScrape.Events("tcp", "accepted")) - acceptedBefore;
        output.WriteLine($"accepted while the till was not reading: {acceptedSoFar} of {events}");
        Assert.True(acceptedSoFar < events / 2, $"{acceptedSoFar} events were taken from a till that reads no acks");

        // Once the till reads, everything flows and every event is acknowledged, in order.
        for (var i = 0; i < events; i++)
        {
            var ack = await till.ReadAckAsync();
            Assert.Equal(($"bp-{i}", "accepted"), (ack.EventId, ack.Status));
        }

        await writer.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(events / 100, (await Host.GetProfileAsync("bp-cust-0")).GetProperty("views").GetInt32());
        Assert.InRange(await MetricsScrape.ValueAsync(Host, "loyalty_tcp_inflight_events_peak"), 1, 50 * TcpLoadHost.MaxBatchLines);
    }
}
