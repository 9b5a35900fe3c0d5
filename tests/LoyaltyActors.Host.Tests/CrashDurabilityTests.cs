using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Xunit;
using Xunit.Abstractions;
using static LoyaltyActors.Host.Tests.WireEvents;

namespace LoyaltyActors.Host.Tests;

/// <summary>
/// CONTRACT: <c>POST /v1/events</c> acknowledges only after the events are durably persisted. So a kill -9
/// in the middle of a load loses nothing that was acknowledged.
/// </summary>
public sealed class CrashDurabilityTests(ITestOutputHelper output)
{
    private const int Writers = 8;
    private const int Customers = 300;
    private const int AcknowledgedBeforeKill = 600;

    private sealed record Sent(string Customer, bool IsPurchase, JsonObject Event);

    [Fact]
    public async Task Kill_9_under_concurrent_load_loses_no_acknowledged_event()
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        await using var host = await LoyaltyHostProcess.StartAsync(output);
        output.WriteLine($"started at {watch.Elapsed.TotalSeconds:F1} s");
        var http = host.Http;
        var acknowledged = new ConcurrentQueue<Sent>();
        var attemptedPurchases = new ConcurrentDictionary<string, int>();
        var acknowledgedCount = 0;
        var failedInFlight = 0;
        var enoughAcknowledged = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var killing = false;

        async Task Write(int writer)
        {
            var random = new Random(writer);
            var sequence = 0;
            while (!Volatile.Read(ref killing))
            {
                var batch = new List<Sent>();
                for (var n = random.Next(1, 51); n > 0; n--)
                {
                    var customer = $"k-{random.Next(Customers)}";
                    var id = $"k{writer}-{sequence++}";
                    var at = new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero).AddMinutes(random.Next(525_600)).ToString("yyyy-MM-ddTHH:mm:ssZ");
                    var isPurchase = random.Next(5) > 0;
                    var evt = isPurchase
                        ? Purchase(id, customer, at, "o-" + id, new SentLine("sku-" + random.Next(40), "cat-" + random.Next(6), random.Next(1, 4), random.Next(100, 5000) / 100m))
                        : View(id, customer, at, "sku-" + random.Next(40), random.Next(60));
                    if (isPurchase) attemptedPurchases.AddOrUpdate(customer, 1, (_, c) => c + 1);
                    batch.Add(new Sent(customer, isPurchase, evt));
                }

                HttpResponseMessage response;
                try
                {
                    response = await http.PostAsync("v1/events", Batch(batch.Select(s => s.Event)));
                }
                catch (Exception ex) when ((ex is HttpRequestException or TaskCanceledException) && Volatile.Read(ref killing))
                {
                    Interlocked.Increment(ref failedInFlight);
                    return;
                }

                using (response)
                {
                    if (response.StatusCode != HttpStatusCode.OK)
                        throw new InvalidOperationException($"HTTP {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
                    var body = await response.Content.ReadAsStringAsync();
                    using var json = JsonDocument.Parse(body);
                    var statuses = json.RootElement.GetProperty("results").EnumerateArray().Select(r => r.GetProperty("status").GetString()).ToList();
                    if (statuses.Count != batch.Count || statuses.Any(s => s != "accepted"))
                        throw new InvalidOperationException($"every fresh event should be accepted: {body}");
                }

                foreach (var s in batch) acknowledged.Enqueue(s);
                if (Interlocked.Add(ref acknowledgedCount, batch.Count) >= AcknowledgedBeforeKill) enoughAcknowledged.TrySetResult();
            }
        }

        var writers = Enumerable.Range(0, Writers).Select(w => Task.Run(() => Write(w))).ToArray();
        try
        {
            // A writer that fails before the target surfaces here; so does a host too slow to get there.
            await Task.WhenAny(enoughAcknowledged.Task, Task.WhenAll(writers)).WaitAsync(TimeSpan.FromSeconds(60));
        }
        catch (TimeoutException)
        {
            Volatile.Write(ref killing, true);
            Assert.Fail($"only {acknowledgedCount} events were acknowledged within 60 s\n{host.Log}");
        }

        if (!enoughAcknowledged.Task.IsCompleted)
        {
            await Task.WhenAll(writers); // rethrows the writer's failure
            Assert.Fail("the writers stopped before the kill");
        }

        Volatile.Write(ref killing, true);
        var pid = host.ProcessId;
        await host.KillAsync();
        await Task.WhenAll(writers);
        output.WriteLine($"killed pid {pid} after {acknowledged.Count} acknowledged events; {failedInFlight} requests were in flight, at {watch.Elapsed.TotalSeconds:F1} s");

        await host.StartAsync();
        output.WriteLine($"restarted at {watch.Elapsed.TotalSeconds:F1} s");

        // Every acknowledged event is in the journal: posting it again is a duplicate.
        var all = acknowledged.ToList();
        var statusById = new Dictionary<string, string>();
        foreach (var chunk in all.Chunk(500))
        {
            var answer = await host.PostBatchAsync(chunk.Select(s => s.Event));
            host.AssertStatus(HttpStatusCode.OK, answer.Status, answer.Body);
            foreach (var r in answer.Results) statusById[r.EventId!] = r.Status;
        }

        var notDuplicate = all.Where(s => statusById[(string)s.Event["event_id"]!] != "duplicate").Select(s => (string)s.Event["event_id"]!).ToList();
        Assert.True(notDuplicate.Count == 0,
            $"{notDuplicate.Count} of {all.Count} acknowledged events were lost by the kill: {string.Join(", ", notDuplicate.Take(20))}");

        output.WriteLine($"re-posted at {watch.Elapsed.TotalSeconds:F1} s");

        // Every customer's profile counts at least its acknowledged purchases and at most those attempted.
        var acknowledgedPurchases = all.Where(s => s.IsPurchase).GroupBy(s => s.Customer).ToDictionary(g => g.Key, g => g.Count());
        var orders = new ConcurrentDictionary<string, int>();
        await Parallel.ForEachAsync(acknowledgedPurchases.Keys, new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (customer, _) =>
            orders[customer] = (await host.GetProfileAsync(customer)).GetProperty("orders").GetInt32());
        output.WriteLine($"profiles read at {watch.Elapsed.TotalSeconds:F1} s");
        foreach (var (customer, count) in acknowledgedPurchases)
        {
            Assert.True(orders[customer] >= count, $"{customer}: {orders[customer]} orders after the kill, {count} acknowledged");
            Assert.True(orders[customer] <= attemptedPurchases[customer], $"{customer}: {orders[customer]} orders, only {attemptedPurchases[customer]} sent");
        }
    }
}
