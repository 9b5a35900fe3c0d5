using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;

namespace LoyaltyActors.Host.Bench;

/// <summary>Throughput and latency of one load run: every request counted only once the server acknowledged it.</summary>
internal sealed record LoadResult(long Events, double Seconds, double P50Ms, double P99Ms, long Errors)
{
    public double EventsPerSecond => Events / Seconds;
}

/// <summary>Client load against a running server: purchases over HTTP (batches) with N concurrent connections.</summary>
internal static class LoadClients
{
    private static DateTimeOffset _epoch;

    /// <summary>Purchases are dated from a day before <paramref name="now"/> (the run's clock), a millisecond apart.</summary>
    public static void StartAt(NodaTime.Instant now) => _epoch = now.ToDateTimeOffset().AddDays(-1);

    /// <summary>One purchase in wire format v1; the event id is unique per <paramref name="run"/> and sequence number.</summary>
    public static string Purchase(string run, long n, string customerId, decimal price = 12.5m)
    {
        var at = _epoch.AddMilliseconds(n).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
        return $"{{\"event_id\":\"{run}-{n}\",\"type\":\"purchase\",\"customer_id\":\"{customerId}\",\"occurred_at\":\"{at}\"," +
               $"\"order_id\":\"{run}-o{n}\",\"channel\":\"bench\",\"lines\":[{{\"sku\":\"SKU-{n % 97}\",\"category\":\"c{n % 7}\",\"qty\":1,\"unit_price\":{price.ToString(CultureInfo.InvariantCulture)}}}]}}";
    }

    public static HttpClient Client(Uri baseAddress, int connections) => new(new SocketsHttpHandler
    {
        MaxConnectionsPerServer = connections,
        PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
    })
    { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(60) };

    /// <summary>
    /// Posts <paramref name="events"/> purchases spread over <paramref name="customers"/> customers, in NDJSON batches of
    /// <paramref name="batch"/>, from <paramref name="connections"/> concurrent clients. A 503 is retried (safe: event ids dedupe).
    /// </summary>
    public static async Task<LoadResult> PostPurchasesAsync(Uri url, long events, int batch, int connections, int customers,
        string run, CancellationToken ct, int customerOffset = 0)
    {
        using var http = Client(url, connections);
        // Every request body is rendered before the clock starts: the clients share the machine with the server, and
        // what is measured is the server's work, not the load generator's string building.
        var bodies = new byte[(int)((events + batch - 1) / batch)][];
        var body = new StringBuilder();
        for (var b = 0; b < bodies.Length; b++)
        {
            body.Clear();
            for (var n = (long)b * batch; n < Math.Min(events, (long)(b + 1) * batch); n++)
                body.Append(Purchase(run, n, "b-" + (customerOffset + n % customers).ToString(CultureInfo.InvariantCulture))).Append('\n');
            bodies[b] = Encoding.UTF8.GetBytes(body.ToString());
        }

        var next = -1;
        var latencies = new List<double>[connections];
        long errors = 0;
        var watch = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, connections).Select(async w =>
        {
            var mine = latencies[w] = [];
            while (true)
            {
                var b = Interlocked.Increment(ref next);
                if (b >= bodies.Length) return;
                while (true)
                {
                    var t = Stopwatch.GetTimestamp();
                    using var content = new ByteArrayContent(bodies[b]);
                    content.Headers.ContentType = new MediaTypeHeaderValue("application/x-ndjson");
                    using var response = await http.PostAsync("v1/events", content, ct);
                    if (response.StatusCode == HttpStatusCode.ServiceUnavailable)
                    {
                        Interlocked.Increment(ref errors);
                        continue;
                    }

                    if (!response.IsSuccessStatusCode)
                        throw new InvalidOperationException($"POST /v1/events answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(ct)}");
                    mine.Add(Stopwatch.GetElapsedTime(t).TotalMilliseconds);
                    break;
                }
            }
        }));
        var seconds = watch.Elapsed.TotalSeconds;
        var all = latencies.SelectMany(l => l).Order().ToArray();
        return new LoadResult(events, seconds, Percentile(all, 0.50), Percentile(all, 0.99), errors);
    }

    /// <summary>GETs the profile of each customer once (first touch), from N concurrent clients.</summary>
    public static async Task<LoadResult> TouchCustomersAsync(Uri url, int customers, int connections, CancellationToken ct)
    {
        using var http = Client(url, connections);
        var next = -1;
        var latencies = new List<double>[connections];
        var watch = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, connections).Select(async w =>
        {
            var mine = latencies[w] = [];
            while (true)
            {
                var i = Interlocked.Increment(ref next);
                if (i >= customers) return;
                var t = Stopwatch.GetTimestamp();
                using var response = await http.GetAsync("v1/customers/b-" + i.ToString(CultureInfo.InvariantCulture), ct);
                if (!response.IsSuccessStatusCode)
                    throw new InvalidOperationException($"GET customer b-{i} answered {(int)response.StatusCode}");
                mine.Add(Stopwatch.GetElapsedTime(t).TotalMilliseconds);
            }
        }));
        var all = latencies.SelectMany(l => l).Order().ToArray();
        return new LoadResult(customers, watch.Elapsed.TotalSeconds, Percentile(all, 0.50), Percentile(all, 0.99), 0);
    }

    public static double Percentile(double[] sorted, double q) =>
        sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(q * sorted.Length) - 1)];
}
