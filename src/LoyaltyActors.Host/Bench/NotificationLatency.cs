using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace LoyaltyActors.Host.Bench;

/// <summary>
/// Event to notification: purchases that cross the shipped 1,000-point reward threshold are posted one at a time while
/// a client listens on the SSE stream; latency = from sending the purchase to receiving its notification.
/// </summary>
internal static class NotificationLatency
{
    public static async Task<LoadResult?> TryMeasureAsync(Uri url, int count, CancellationToken ct)
    {
        using var http = LoadClients.Client(url, 4);
        http.Timeout = Timeout.InfiniteTimeSpan;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        using var request = new HttpRequestMessage(HttpMethod.Get, "v1/notifications/stream");
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
        if (response.StatusCode == HttpStatusCode.NotFound) return null;
        response.EnsureSuccessStatusCode();

        var sent = new ConcurrentDictionary<string, long>(StringComparer.Ordinal);
        var latencies = new ConcurrentBag<double>();
        var all = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var run = "n" + Guid.NewGuid().ToString("N")[..6];
        var listener = Task.Run(async () =>
        {
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(stop.Token), Encoding.UTF8);
            while (await reader.ReadLineAsync(stop.Token) is { } line)
            {
                if (!line.StartsWith("data:", StringComparison.Ordinal)) continue;
                var received = Stopwatch.GetTimestamp();
                using var doc = JsonDocument.Parse(line[5..]);
                if (!doc.RootElement.TryGetProperty("customer_id", out var c) || c.GetString() is not { } customer) continue;
                if (!sent.TryGetValue(customer, out var at)) continue;
                latencies.Add(Stopwatch.GetElapsedTime(at, received).TotalMilliseconds);
                if (latencies.Count >= count) all.TrySetResult();
            }
        }, stop.Token);

        var watch = Stopwatch.StartNew();
        for (var i = 0; i < count; i++)
        {
            var customer = $"{run}-{i.ToString(CultureInfo.InvariantCulture)}";
            sent[customer] = Stopwatch.GetTimestamp();
            using var content = new StringContent(LoadClients.Purchase(run, i, customer, 1000m), Encoding.UTF8, "application/json");
            using var posted = await http.PostAsync("v1/events", content, ct);
            posted.EnsureSuccessStatusCode();
        }

        if (await Task.WhenAny(all.Task, Task.Delay(TimeSpan.FromSeconds(60), ct)) != all.Task)
            throw new TimeoutException($"only {latencies.Count} of {count} notifications arrived within 60 s of the last purchase");
        await stop.CancelAsync();
        try { await listener; } catch (OperationCanceledException) { }
        var sorted = latencies.Order().ToArray();
        return new LoadResult(count, watch.Elapsed.TotalSeconds, LoadClients.Percentile(sorted, 0.5), LoadClients.Percentile(sorted, 0.99), 0);
    }
}
