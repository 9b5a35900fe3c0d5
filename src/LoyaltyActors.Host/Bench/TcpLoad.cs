using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace LoyaltyActors.Host.Bench;

/// <summary>TCP ingest (CONTRACT): each connection pipelines NDJSON purchases and reads one ack line per event.</summary>
internal static class TcpLoad
{
    /// <summary>The run's throughput, or null when nothing accepts NDJSON on <paramref name="port"/>.</summary>
    public static async Task<LoadResult?> TryMeasureAsync(int port, long events, int connections, CancellationToken ct)
    {
        if (!await ProbeAsync(port, ct)) return null;
        var perConnection = events / connections;
        var watch = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, connections).Select(c => RunConnectionAsync(port, c, perConnection, ct)));
        return new LoadResult(perConnection * connections, watch.Elapsed.TotalSeconds, double.NaN, double.NaN, 0);
    }

    private static async Task<bool> ProbeAsync(int port, CancellationToken ct)
    {
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync("127.0.0.1", port, ct);
            await using var stream = client.GetStream();
            var line = Encoding.UTF8.GetBytes(LoadClients.Purchase("tcp-probe", 0, "tcp-probe") + "\n");
            await stream.WriteAsync(line, ct);
            using var reader = new StreamReader(stream, Encoding.UTF8);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(TimeSpan.FromSeconds(10));
            var ack = await reader.ReadLineAsync(timeout.Token);
            return ack is not null && ack.Contains("\"status\"", StringComparison.Ordinal);
        }
        catch (Exception e) when (e is SocketException or IOException or OperationCanceledException)
        {
            return false;
        }
    }

    private static async Task RunConnectionAsync(int port, int connection, long events, CancellationToken ct)
    {
        using var client = new TcpClient { NoDelay = true };
        await client.ConnectAsync("127.0.0.1", port, ct);
        await using var stream = client.GetStream();
        var run = "tcp" + connection.ToString(CultureInfo.InvariantCulture);
        var writer = Task.Run(async () =>
        {
            var chunk = new StringBuilder();
            for (long n = 0; n < events;)
            {
                chunk.Clear();
                for (var end = Math.Min(events, n + 200); n < end; n++)
                    chunk.Append(LoadClients.Purchase(run, n, "t-" + ((connection * 7919 + n) % 10_000).ToString(CultureInfo.InvariantCulture))).Append('\n');
                await stream.WriteAsync(Encoding.UTF8.GetBytes(chunk.ToString()), ct);
            }
        }, ct);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        for (long acked = 0; acked < events; acked++)
        {
            var ack = await reader.ReadLineAsync(ct) ?? throw new IOException($"connection {connection} closed after {acked} acks");
            if (ack.Contains("\"rejected\"", StringComparison.Ordinal)) throw new InvalidOperationException("TCP ack rejected an event: " + ack);
        }

        await writer;
    }
}
