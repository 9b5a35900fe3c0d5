using System.Globalization;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace LoyaltyActors.Host.Tests;

/// <summary>A till on the TCP line protocol: writes NDJSON lines, reads ack lines, every read bounded by a timeout.</summary>
public sealed class TcpTill : IAsyncDisposable
{
    private static readonly TimeSpan ReadTimeout = TimeSpan.FromSeconds(60);
    private readonly TcpClient _client;
    private readonly NetworkStream _stream;
    private readonly StreamReader _reader;

    private TcpTill(TcpClient client)
    {
        _client = client;
        _stream = client.GetStream();
        _reader = new StreamReader(_stream, new UTF8Encoding(false), false, 4096, leaveOpen: true);
    }

    public NetworkStream Stream => _stream;

    /// <param name="receiveBufferBytes">A small receive buffer makes unread acks back up quickly.</param>
    public static async Task<TcpTill> ConnectAsync(LoyaltyHostProcess host, int? receiveBufferBytes = null, int? sendBufferBytes = null)
    {
        var client = new TcpClient(System.Net.Sockets.AddressFamily.InterNetwork);
        if (receiveBufferBytes is { } r) client.ReceiveBufferSize = r;
        if (sendBufferBytes is { } s) client.SendBufferSize = s;
        using var timeout = new CancellationTokenSource(ReadTimeout);
        await client.ConnectAsync(host.TcpEndPoint, timeout.Token);
        return new TcpTill(client);
    }

    public Task WriteLineAsync(string line) => WriteAsync(Encoding.UTF8.GetBytes(line + "\n"));

    public async Task WriteAsync(byte[] bytes)
    {
        using var timeout = new CancellationTokenSource(ReadTimeout);
        await _stream.WriteAsync(bytes, timeout.Token);
    }

    /// <summary>The next line from the server, or null when it closed the connection.</summary>
    public async Task<string?> ReadLineAsync()
    {
        using var timeout = new CancellationTokenSource(ReadTimeout);
        return await _reader.ReadLineAsync(timeout.Token);
    }

    /// <summary>The next ack, parsed: (event_id, status, error).</summary>
    public async Task<(string? EventId, string Status, string? Error)> ReadAckAsync()
    {
        var line = await ReadLineAsync() ?? throw new InvalidOperationException("the server closed the connection instead of acknowledging");
        var ack = JsonDocument.Parse(line).RootElement;
        return (ack.GetProperty("event_id").ValueKind == JsonValueKind.String ? ack.GetProperty("event_id").GetString() : null,
            ack.GetProperty("status").GetString()!,
            ack.GetProperty("error").ValueKind == JsonValueKind.String ? ack.GetProperty("error").GetString() : null);
    }

    public void ShutdownSend() => _client.Client.Shutdown(SocketShutdown.Send);

    public ValueTask DisposeAsync()
    {
        _reader.Dispose();
        _stream.Dispose();
        _client.Dispose();
        return ValueTask.CompletedTask;
    }
}

/// <summary>Reads series from the host's Prometheus <c>/metrics</c> text.</summary>
public static class MetricsScrape
{
    /// <summary>The value of <paramref name="series"/> (name with labels exactly as printed, e.g. <c>a{b="c"}</c>), 0 when absent.</summary>
    public static async Task<double> ValueAsync(LoyaltyHostProcess host, string series)
    {
        var text = await host.Http.GetStringAsync("metrics");
        foreach (var line in text.Split('\n'))
        {
            if (line.StartsWith('#') || !line.StartsWith(series + " ", StringComparison.Ordinal)) continue;
            return double.Parse(line[(series.Length + 1)..].Trim(), CultureInfo.InvariantCulture);
        }

        return 0;
    }

    public static string Events(string source, string status) => $"loyalty_events_total{{source=\"{source}\",status=\"{status}\"}}";

    public static string Rejected(string source, string reason) => $"loyalty_events_rejected_total{{source=\"{source}\",reason=\"{reason}\"}}";
}
