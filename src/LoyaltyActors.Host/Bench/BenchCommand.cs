using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace LoyaltyActors.Host.Bench;

/// <summary>One measured figure, its ratio to the SQLite write ceiling of the same run where that means something, and its target.</summary>
internal sealed record BenchFigure(string Id, string What, double Value, string Unit, double? RatioToCeiling = null, string? Target = null, bool? Met = null);

/// <summary>
/// <c>loyalty bench</c>: the performance suite of issue #8, run against real child processes of this executable on
/// temporary data dirs: the SQLite ceiling, durable HTTP ingest, offline replays, cold first touch after kill -9 and
/// bulk recovery, memory per awake customer, event-to-notification latency (when the server streams notifications).
/// </summary>
public static partial class BenchCommand
{
    public static Command Create(NodaTime.IClock clock)
    {
        var quick = new Option<bool>("--quick") { Description = "Smaller runs: finishes in under 5 minutes" };
        var output = new Option<string>("--out") { Description = "Write the figures as JSON here", DefaultValueFactory = _ => "bench-results.json" };
        var dataRoot = new Option<string?>("--data-root") { Description = "The public data sets (default: LOYALTY_TEST_DATA, else ../shared/data)" };
        var work = new Option<string?>("--work-dir") { Description = "Scratch directory on the disk to measure (default: a new temp dir, removed after)" };
        var only = new Option<string?>("--only") { Description = "Run only these parts, comma-separated: ceiling, http (with tcp and notifications), replay, cold, memory" };
        var command = new Command("bench", """
            Measures this machine: the SQLite write ceiling of the disk, durable HTTP ingest (batches of 500 and of 1),
            offline replay of CDNOW_master and Online Retail, cold first touch after kill -9 and bulk recovery, memory per
            awake customer, event-to-notification latency. Prints each figure with its ratio to the ceiling and its
            target, and writes them all to a JSON file. Every event counted was acknowledged after it was durable.
            Example: loyalty bench --quick --out bench.json
            """)
        {
            quick, output, dataRoot, work, only,
        };
        command.SetAction((r, ct) => RunAsync(r.GetValue(quick), r.GetValue(output)!, r.GetValue(dataRoot), r.GetValue(work), r.GetValue(only), clock, ct));
        return command;
    }

    private static async Task<int> RunAsync(bool quick, string output, string? dataRoot, string? workDir, string? only, NodaTime.IClock clock, CancellationToken ct)
    {
        LoadClients.StartAt(clock.GetCurrentInstant());
        var parts = only?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToHashSet(StringComparer.OrdinalIgnoreCase);
        bool Runs(string part) => parts is null || parts.Contains(part);
        var root = dataRoot ?? Environment.GetEnvironmentVariable("LOYALTY_TEST_DATA") ?? Path.Combine("..", "shared", "data");
        var work = workDir ?? Path.Combine(Path.GetTempPath(), "loyalty-bench-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(work);
        var figures = new List<BenchFigure>();
        var notes = new List<string>();
        void Report(BenchFigure f)
        {
            figures.Add(f);
            var ratio = f.RatioToCeiling is { } r ? $"  {r:P1} of ceiling" : "";
            var target = f.Target is null ? "" : $"  target {f.Target}: {(f.Met == true ? "met" : "NOT met")}";
            Console.WriteLine($"{f.What,-58} {f.Value,12:N1} {f.Unit}{ratio}{target}");
        }

        Console.WriteLine($"machine: {Environment.ProcessorCount} cores, {GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / (1L << 30)} GiB, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}; work dir {work}; {(quick ? "quick" : "full")} run");
        try
        {
            // (1) the ceiling (always: every ratio is to it)
            var (write, readKeys, readRows) = SqliteCeiling.Measure(Path.Combine(work, "ceiling"), quick ? 100_000 : 300_000);
            Report(new("sqlite_write_rows_per_s", "SQLite ceiling: 1,000-row transactions, WAL, synchronous=FULL", write, "rows/s"));
            Report(new("sqlite_read_keys_per_s", "SQLite ceiling: per-key read-back", readKeys, "keys/s"));
            Report(new("sqlite_read_rows_per_s", "SQLite ceiling: rows read back", readRows, "rows/s"));

            // (2) durable HTTP ingest
            if (Runs("http"))
            await using (var s = await Server(Path.Combine(work, "http"), new Dictionary<string, string>(), ct))
            {
                await LoadClients.PostPurchasesAsync(s.Url, 2_000, 500, 4, 1_000, "warm", ct);
                var n = quick ? 40_000 : 200_000;
                foreach (var connections in new[] { 4, 16 })
                {
                    var cpuBefore = s.Child.CpuSeconds();
                    var r = await LoadClients.PostPurchasesAsync(s.Url, n, 500, connections, 10_000, $"b500x{connections}", ct);
                    var cpuPerEvent = (s.Child.CpuSeconds() - cpuBefore) / r.Events * 1e6;
                    Report(new($"http_batch500_c{connections}_events_per_s", $"HTTP ingest, batches of 500, {connections} connections", r.EventsPerSecond,
                        "events/s", r.EventsPerSecond / write, "≥ 25 % of ceiling", r.EventsPerSecond / write >= 0.25));
                    Report(new($"http_batch500_c{connections}_server_cpu_us_per_event", "  server CPU time per event (user + system)", cpuPerEvent, "µs"));
                }

                var single = await LoadClients.PostPurchasesAsync(s.Url, quick ? 4_000 : 20_000, 1, 16, 10_000, "b1x16", ct);
                Report(new("http_batch1_c16_events_per_s", "HTTP ingest, one event per request, 16 connections", single.EventsPerSecond, "events/s", single.EventsPerSecond / write));
                Report(new("http_batch1_c16_p99_ms", "HTTP ingest, one event per request: p99 latency", single.P99Ms, "ms"));

                // (3) TCP ingest, when this build listens on TCP
                if (await TcpLoad.TryMeasureAsync(s.TcpPort, quick ? 40_000 : 200_000, 16, ct) is { } tcp)
                    Report(new("tcp_c16_events_per_s", "TCP ingest, 16 connections, pipelined", tcp.EventsPerSecond, "events/s", tcp.EventsPerSecond / write));
                else
                    notes.Add("TCP ingest: not measured, nothing accepted NDJSON on the --tcp port");

                // (7) event-to-notification latency, when the server streams notifications: measured on a quiet server, once
                // its projections have digested the ingest parts above (else their backlog, not the pipeline, makes the tail)
                var settled = await s.Child.WaitUntilIdleAsync(TimeSpan.FromSeconds(90), ct);
                notes.Add($"event-to-notification latency: measured after the server went idle ({settled.TotalSeconds:F0} s after the TCP part)");
                if (await NotificationLatency.TryMeasureAsync(s.Url, quick ? 200 : 1_000, ct) is { } latency)
                {
                    Report(new("notification_p50_ms", "event to notification (SSE): p50", latency.P50Ms, "ms"));
                    Report(new("notification_p99_ms", "event to notification (SSE): p99", latency.P99Ms, "ms", null, "≤ 50 ms", latency.P99Ms <= 50));
                }
                else
                {
                    notes.Add("event-to-notification latency: not measured, the server has no /v1/notifications/stream");
                }
            }

            // (4) offline replays
            var datasets = new List<(string Id, string What, string Path, string Format)>
            {
                ("replay_cdnow_master", "offline replay of CDNOW_master", Path.Combine(root, "cdnow-lifetimes", "CDNOW_master.txt"), "cdnow"),
            };
            if (!quick)
                datasets.Add(("replay_online_retail", "offline replay of Online Retail (by day)", Path.Combine(root, "online-retail-uci", "by-day"), "online-retail"));
            else
                notes.Add("Online Retail replay: full run only");
            foreach (var (id, what, path, format) in Runs("replay") ? datasets : [])
            {
                if (!File.Exists(path) && !Directory.Exists(path))
                {
                    notes.Add($"{what}: not measured, {path} is missing (--data-root)");
                    continue;
                }

                // Each replay runs three times, into a fresh data dir each time, and the median run is the figure: one run of
                // Online Retail lasts under a second, and single runs of one build ranged over ±25 % on this machine.
                var runs = new List<(double Rate, long Events, long? Rows)>();
                for (var run = 1; run <= ReplayRuns; run++)
                {
                    var replay = BenchChild.Start(new Dictionary<string, string>(), "replay", path, "--format", format, "--data-dir", Path.Combine(work, $"{id}-{run}"));
                    var code = await replay.WaitAsync(ct);
                    var m = ReplayLine().Match(replay.Output);
                    if (code != 0 || !m.Success) throw new InvalidOperationException($"{what} failed (exit {code}):\n{replay.Output}");
                    var rows = RowsLine().Match(replay.Output) is { Success: true } r ? long.Parse(r.Groups["rows"].Value, CultureInfo.InvariantCulture) : (long?)null;
                    runs.Add((double.Parse(m.Groups["rate"].Value, NumberStyles.Float, CultureInfo.InvariantCulture),
                        long.Parse(m.Groups["events"].Value, CultureInfo.InvariantCulture), rows));
                }

                notes.Add($"{what}: the median of {runs.Count} runs of {string.Join(", ", runs.Select(x => x.Rate.ToString("N0", CultureInfo.InvariantCulture)))} events/s");
                var median = runs.OrderBy(x => x.Rate).ElementAt(runs.Count / 2);
                var rate = median.Rate;
                Report(new(id + "_events_per_s", what, rate, "events/s", rate / write, "≥ 40 % of ceiling", rate / write >= 0.40));
                // For scale, where an event is more than one row of the input (an Online Retail invoice): its rows per second.
                if (median is { Rows: { } inputRows, Events: > 0 and var events } && inputRows != events)
                    Report(new(id + "_rows_per_s", what + ": input rows", rate * inputRows / events, "rows/s"));
            }

            // (5) cold first touch after kill -9, and bulk recovery
            var coldDir = Path.Combine(work, "cold");
            var customers = quick ? 5_000 : 20_000;
            if (Runs("cold"))
            {
            await using (var s = await Server(coldDir, new Dictionary<string, string>(), ct))
            {
                await LoadClients.PostPurchasesAsync(s.Url, customers * 3L, 500, 4, customers, "cold", ct);
                await s.Child.KillAsync();
            }

            await using (var s = await Server(coldDir, new Dictionary<string, string>(), ct))
            {
                var cpuBefore = s.Child.CpuSeconds();
                var touch = await LoadClients.TouchCustomersAsync(s.Url, customers, 16, ct);
                var cpuPerTouch = (s.Child.CpuSeconds() - cpuBefore) / customers * 1e6;
                Report(new("first_touch_p99_ms", $"cold first touch after kill -9 ({customers:N0} customers, 16 clients): p99", touch.P99Ms, "ms", null, "≤ 50 ms", touch.P99Ms <= 50));
                Report(new("bulk_recovery_customers_per_s", "bulk recovery (first touches per second)", touch.EventsPerSecond, "customers/s", null, "≥ 5,000/s", touch.EventsPerSecond >= 5_000));
                Report(new("bulk_recovery_server_cpu_us_per_customer", "  server CPU time per first touch (user + system)", cpuPerTouch, "µs"));
            }
            }

            // (6) memory per awake customer: the managed heap of the customers in this process (exact), and the server's
            // resident memory (includes the runtime's slack and garbage not yet collected)
            var awake = quick ? 20_000 : 100_000;
            if (Runs("memory"))
            {
            var managed = await ActorMemory.BytesPerCustomerAsync(Path.Combine(work, "actor-memory"), awake, clock, ct);
            Report(new("state_bytes_per_customer", "of which the customer's state (CustomerState after one purchase)", ActorMemory.StateBytesPerCustomer(awake, clock), "bytes"));
            Report(new("managed_bytes_per_customer", $"managed heap per awake customer actor with its state ({awake:N0} awake)", managed, "bytes", null, "≤ 4 KB", managed <= 4096));
            await using (var s = await Server(Path.Combine(work, "memory"), new Dictionary<string, string>
            {
                ["Loyalty__Customers__PassivateAfterSeconds"] = "3600",
                ["DOTNET_gcServer"] = "0",
            }, ct))
            {
                await LoadClients.PostPurchasesAsync(s.Url, 1_000, 500, 4, 1_000, "mem-warm", ct, customerOffset: 10_000_000);
                var before = s.Child.ResidentBytes();
                await LoadClients.PostPurchasesAsync(s.Url, awake, 500, 4, awake, "mem", ct);
                var after = s.Child.ResidentBytes();
                var perCustomer = (after - before) / (double)awake;
                Report(new("rss_bytes_per_customer", $"server resident memory per awake customer ({awake:N0} awake, RSS delta)", perCustomer, "bytes"));
            }
            }
        }
        finally
        {
            if (workDir is null)
                try { Directory.Delete(work, recursive: true); } catch (IOException) { }
        }

        foreach (var note in notes) Console.WriteLine("note: " + note);
        await File.WriteAllTextAsync(output, JsonSerializer.Serialize(new
        {
            machine = new { cores = Environment.ProcessorCount, os = System.Runtime.InteropServices.RuntimeInformation.OSDescription },
            quick,
            at = clock.GetCurrentInstant().ToDateTimeOffset(),
            figures = figures.Select(f => new { id = f.Id, what = f.What, value = Math.Round(f.Value, 2), unit = f.Unit, ratio_to_ceiling = f.RatioToCeiling is { } r ? Math.Round(r, 4) : (double?)null, target = f.Target, met = f.Met }),
            notes,
        }, new JsonSerializerOptions { WriteIndented = true }), ct);
        Console.WriteLine($"figures written to {Path.GetFullPath(output)}");
        return 0;
    }

    private sealed record RunningServer(BenchChild Child, Uri Url, int TcpPort) : IAsyncDisposable
    {
        public ValueTask DisposeAsync() => Child.DisposeAsync();
    }

    private static async Task<RunningServer> Server(string dataDir, Dictionary<string, string> environment, CancellationToken ct)
    {
        var tcp = BenchChild.FreePort();
        var (child, url) = await BenchChild.ServeAsync(dataDir, BenchChild.FreePort(), tcp, environment, ct);
        return new RunningServer(child, url, tcp);
    }

    /// <summary>Runs of each offline replay; the median is reported.</summary>
    private const int ReplayRuns = 3;

    [GeneratedRegex(@"replayed (?<events>\d+) events: .* \((?<rate>[\d.]+) events/s\)")]
    private static partial Regex ReplayLine();

    [GeneratedRegex(@"read (?<rows>\d+) rows:")]
    private static partial Regex RowsLine();
}
