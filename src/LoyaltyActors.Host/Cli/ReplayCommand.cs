using System.CommandLine;
using NodaTime;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Globalization;
using System.Net;
using System.Text.Json;
using LoyaltyActors.Actors.Persistence;
using LoyaltyActors.Domain;
using LoyaltyActors.Domain.Wire;
using LoyaltyActors.Host.Replay;
using LoyaltyActors.Ingress;
using LoyaltyActors.Ingress.Replay;
using Spectre.Console;

namespace LoyaltyActors.Host.Cli;

public static class ReplayCommand
{
    public static Command Create(IClock clock)
    {
        var path = new Argument<string>("path") { Description = "A file, or a folder whose files are replayed in name order" };
        var format = new Option<string>("--format")
        {
            Description = "ndjson | cdnow | cdnow-sample | online-retail | baskets",
            DefaultValueFactory = _ => "ndjson",
        };
        var dataDir = CommonOptions.DataDir();
        var to = new Option<string?>("--to") { Description = "Send to a running server at this URL (e.g. http://127.0.0.1:5080) instead of opening --data-dir" };
        var rejects = new Option<string?>("--rejects") { Description = "Write rejected rows here as CSV: source,line,rows,event_id,reason" };
        var batch = new Option<int>("--batch") { Description = "Events per batch sent to the engine", DefaultValueFactory = _ => 1000 };
        var engineOption = new Option<string>("--engine")
        {
            Description = "Offline only: bulk (decide without actors, append to the SQLite journal in large transactions), " +
                          "actors (through the customer actors, as the server does) or auto (bulk on the embedded SQLite journal, actors otherwise)",
            DefaultValueFactory = _ => "auto",
        };
        var bulkCustomers = new Option<int>("--bulk-customers")
        {
            Description = "Bulk engine: at most this many customers' states held in memory (least recently used ones are dropped and read back from the journal)",
            DefaultValueFactory = _ => BulkReplay.DefaultMaxCustomers,
        };
        var bulkRows = new Option<int>("--bulk-transaction-rows")
        {
            Description = "Bulk engine: journal rows per transaction (each commit is synced to disk before its events are counted; a transaction is written in chunks as its commands are decided)",
            DefaultValueFactory = _ => BulkReplay.DefaultRowsPerTransaction,
        };
        var config = CommonOptions.Config();
        var command = new Command("replay", """
            Streams a file or folder of events into the engine, offline into a data dir or into a running
            server (--to). Shows progress; ends with one line
              replayed N events: A accepted, D duplicates, R rejected in S s (E events/s)
            Replaying the same input again changes nothing (every event id is derived from the input).
            Example: loyalty replay ../shared/data/cdnow-lifetimes/CDNOW_master.txt --format cdnow --data-dir ./data
            """)
        {
            path, format, dataDir, to, rejects, batch, engineOption, bulkCustomers, bulkRows, config,
        };
        command.SetAction(async (result, ct) =>
        {
            ReplayFormat fmt;
            try
            {
                fmt = ReplayFormats.Parse(result.GetValue(format)!);
            }
            catch (ArgumentException ex)
            {
                await Console.Error.WriteLineAsync("loyalty: --format: " + ex.Message);
                return 2;
            }

            var input = result.GetValue(path)!;
            if (!File.Exists(input) && !Directory.Exists(input))
            {
                await Console.Error.WriteLineAsync($"loyalty: path '{input}' does not exist");
                return 2;
            }

            var batchSize = Math.Clamp(result.GetValue(batch), 1, 10_000);
            var rejectsPath = result.GetValue(rejects);
            var engineName = result.GetValue(engineOption)!;
            if (engineName is not ("auto" or "bulk" or "actors"))
            {
                await Console.Error.WriteLineAsync($"loyalty: --engine: '{engineName}' is not one of auto, bulk, actors");
                return 2;
            }

            // While the process starts and the journal opens, the disk reads the input ahead, and the pool loads what the
            // reader needs first and, when the bulk engine may run, compiles the hot code of the reader, the decider and the
            // journal writer, which the replay would otherwise compile on its own threads as it starts. The three stages'
            // code is compiled by separate work items, in the order the stages start: compiled one after the other, the
            // decider's was still being compiled 35-80 ms into the replay, while the decider waited for it or compiled it
            // itself (18 alternating Online Retail replays: median 50.0k -> 56.3k events/s, process CPU 1.36 -> 1.27 s).
            var bulkMayRun = result.GetValue(to) is null && engineName != "actors";
            ThreadPool.UnsafeQueueUserWorkItem(static p =>
            {
                ReplayReader.Prefetch(p.Input);
                ReplayReader.Prepare(p.Format);
                if (p.Bulk) Precompiler.AggressivelyOptimized(typeof(ReplayReader).Assembly);
            }, (Input: input, Format: fmt, Bulk: bulkMayRun), preferLocal: false);
            if (bulkMayRun)
            {
                ThreadPool.UnsafeQueueUserWorkItem(static _ => Precompiler.AggressivelyOptimized(typeof(Precompiler).Assembly), 0, preferLocal: false);
                ThreadPool.UnsafeQueueUserWorkItem(static _ => Precompiler.AggressivelyOptimized(typeof(BulkReplay).Assembly, typeof(BulkJournal).Assembly),
                    0, preferLocal: false);
            }

            if (result.GetValue(to) is { } url)
            {
                var settings = ConfigLoader(result.GetValue(config));
                using var sink = new HttpSink(new Uri(url), settings.Currency);
                await using var rejectWriter = OpenRejects(rejectsPath);
                return await RunAsync(input, fmt, new BatchedSink(batchSize, sink.SendAsync), settings.ToIngressOptions().Wire, rejectWriter, ct);
            }

            var dir = result.GetValue(dataDir)!;
            var configFile = result.GetValue(config);
            if (engineName != "actors")
            {
                // Open the rejects file only once the data dir is ours: a refused replay must not clobber it.
                using var dataLock = DataDirLock.Acquire(dir);
                var (loyaltyConfig, options) = OfflineEngine.LoadOptions(dir, configFile, clock);
                if (options.Journal.IsSqlite)
                {
                    // A batch job with no one waiting on a pause: blocking collections cost less CPU than background ones, and
                    // none at all for its first 256 MB (an allocation budget) less again.
                    System.Runtime.GCSettings.LatencyMode = System.Runtime.GCLatencyMode.Batch;
                    using var budget = AllocationBudget.TryStart();
                    using var journal = BulkJournal.Open(options.Journal.ConnectionString);
                    await using var bulk = new BulkReplay(journal, options.Customers, loyaltyConfig.ToPseudonyms(),
                        () => clock.GetCurrentInstant().ToDateTimeUtc().Ticks,
                        rowsPerTransaction: result.GetValue(bulkRows), maxCustomers: result.GetValue(bulkCustomers));
                    await using var bulkRejects = OpenRejects(rejectsPath);
                    return await RunAsync(input, fmt, bulk, loyaltyConfig.ToIngressOptions().Wire, bulkRejects, ct);
                }

                if (engineName == "bulk")
                {
                    await Console.Error.WriteLineAsync("loyalty: --engine bulk: needs the embedded SQLite journal (Loyalty:Journal:Provider = sqlite)");
                    return 2;
                }
            }

            await using var engine = await OfflineEngine.StartAsync(dir, configFile, clock, ct);
            await using var offlineRejects = OpenRejects(rejectsPath);
            return await RunAsync(input, fmt, new BatchedSink(batchSize,
                (items, token) => WithRetries(() => engine.Ingestor.IngestAsync(items.Select(i => new WireResult(i.Command, null)).ToArray(), token), token)),
                engine.Ingress.Wire, offlineRejects, ct);
        });
        return command;
    }

    private static StreamWriter? OpenRejects(string? path)
    {
        if (path is null) return null;
        var writer = new StreamWriter(path);
        writer.WriteLine("source,line,rows,event_id,reason");
        return writer;
    }

    /// <summary>
    /// Offline, a batch the journal did not confirm in time (many customers recovering at once on a busy
    /// machine) is sent again rather than ending the replay: event ids make the retry safe.
    /// </summary>
    private static async Task<EventOutcome[]> WithRetries(Func<Task<EventOutcome[]>> send, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await send();
            }
            catch (StorageUnavailableException ex) when (attempt < 6)
            {
                await Console.Error.WriteLineAsync($"replay: {ex.Message}; retrying (attempt {attempt + 1} of 6)");
                await Task.Delay(TimeSpan.FromMilliseconds(250 * Math.Pow(2, attempt)), ct);
            }
        }
    }

    private static Configuration.LoyaltyConfig ConfigLoader(string? file) =>
        Configuration.ConfigLoader.Bind(Configuration.ConfigLoader.Load(file));

    /// <summary>Reads and hands every command to <paramref name="sink"/>, counting each outcome once the sink says it is durable.</summary>
    private static async Task<int> RunAsync(string input, ReplayFormat format, IReplaySink sink, WireLimits limits,
        StreamWriter? rejects, CancellationToken ct)
    {
        var totalBytes = ReplayReader.TotalBytes(input);
        var progress = new ReplayProgress(totalBytes);
        // How progress is shown is settled before the clock starts: probing the terminal is not replaying.
        var interactive = AnsiConsole.Profile.Capabilities.Interactive && !Console.IsErrorRedirected;
        var watch = Stopwatch.StartNew();

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        void CountDurable()
        {
            foreach (var (item, outcome) in sink.TakeDurable()) progress.Count(item, outcome, rejects);
        }

        async Task Loop(Action<ReplayProgress> report)
        {
            var lastReport = Stopwatch.StartNew();
            var items = ReplayReader.Read(input, format, limits);
            // The bulk path decides and writes as fast as it can parse: it reads ahead on a thread of its own. The server and the
            // actors are the bottleneck of the other paths, which read on demand as before.
            await foreach (var item in sink is BulkReplay ? ReadAhead.Of(items, ct) : ReadAhead.InPlace(items, ct))
            {
                ct.ThrowIfCancellationRequested();
                progress.Read(item);
                if (item.Command is null) progress.Count(item, new EventOutcome(item.EventId, EventOutcome.Rejected, item.Error), rejects);
                else await sink.AddAsync(item, ct);

                if (lastReport.ElapsedMilliseconds >= 250)
                {
                    CountDurable();
                    report(progress);
                    lastReport.Restart();
                }
            }

            await sink.CompleteAsync(ct);
            CountDurable();
            report(progress);
        }

        try
        {
            if (interactive)
            {
                await AnsiConsole.Progress()
                    .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
                    .StartAsync(async ctx =>
                    {
                        var task = ctx.AddTask("replay", maxValue: Math.Max(1, totalBytes));
                        await Loop(p =>
                        {
                            task.Value = p.BytesRead;
                            task.Description = $"{p.Rows:N0} rows, {p.EventsPerSecond(watch):N0} events/s";
                        });
                    });
            }
            else
            {
                var lastLine = Stopwatch.StartNew();
                await Loop(p =>
                {
                    if (lastLine.ElapsedMilliseconds < 2000) return;
                    lastLine.Restart();
                    Console.Error.WriteLine(p.Line(watch));
                });
            }
        }
        catch (StorageUnavailableException ex)
        {
            await Console.Error.WriteLineAsync("loyalty: replay stopped: " + ex.Message + $" ({progress.Summary(watch)}); run the same replay again to resume");
            return 1;
        }

        rejects?.Flush();
        Console.WriteLine($"read {progress.Rows} rows: {progress.RowsAccepted} in accepted events, {progress.RowsDuplicate} in duplicates, {progress.RowsRejected} rejected");
        Console.WriteLine(progress.Summary(watch));
        return 0;
    }

    /// <summary>Sends batches of <c>batchSize</c> commands; at most <see cref="InFlight"/> batches wait for the journal at once.</summary>
    private sealed class BatchedSink(int batchSize, Func<IReadOnlyList<ReplayItem>, CancellationToken, Task<EventOutcome[]>> send) : IReplaySink
    {
        private const int InFlight = 4;
        private readonly Queue<(List<ReplayItem> Items, Task<EventOutcome[]> Reply)> _pending = new();
        private readonly List<(ReplayItem, EventOutcome)> _durable = [];
        private List<ReplayItem> _batch = new(batchSize);

        public async ValueTask AddAsync(ReplayItem item, CancellationToken ct)
        {
            _batch.Add(item);
            if (_batch.Count >= batchSize) await FlushAsync(ct);
        }

        public IEnumerable<(ReplayItem Item, EventOutcome Outcome)> TakeDurable()
        {
            var taken = _durable.ToArray();
            _durable.Clear();
            return taken;
        }

        public async Task CompleteAsync(CancellationToken ct)
        {
            await FlushAsync(ct);
            await DrainAsync(0);
        }

        private async Task FlushAsync(CancellationToken ct)
        {
            if (_batch.Count == 0) return;
            var items = _batch;
            _batch = new List<ReplayItem>(batchSize);
            _pending.Enqueue((items, send(items, ct)));
            await DrainAsync(InFlight - 1);
        }

        private async Task DrainAsync(int keep)
        {
            while (_pending.Count > keep)
            {
                var (items, reply) = _pending.Peek();
                var outcomes = await reply;
                _pending.Dequeue();
                for (var i = 0; i < items.Count; i++) _durable.Add((items[i], outcomes[i]));
            }
        }
    }

    private sealed class ReplayProgress(long totalBytes)
    {
        public long BytesRead { get; private set; }
        public long Rows { get; private set; }
        public long Accepted { get; private set; }
        public long Duplicates { get; private set; }
        public long Rejected { get; private set; }
        public long RowsAccepted { get; private set; }
        public long RowsDuplicate { get; private set; }
        public long RowsRejected { get; private set; }

        private long Events => Accepted + Duplicates + Rejected;

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Read(ReplayItem item)
        {
            BytesRead = item.BytesRead;
            Rows += item.Rows;
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Count(ReplayItem item, EventOutcome outcome, StreamWriter? rejects)
        {
            switch (outcome.Status)
            {
                case EventOutcome.Accepted:
                    Accepted++;
                    RowsAccepted += item.Rows;
                    break;
                case EventOutcome.Duplicate:
                    Duplicates++;
                    RowsDuplicate += item.Rows;
                    break;
                default:
                    Rejected++;
                    RowsRejected += item.Rows;
                    rejects?.WriteLine(string.Join(',', CsvText.Escape(item.Source), item.Line.ToString(CultureInfo.InvariantCulture),
                        item.Rows.ToString(CultureInfo.InvariantCulture), CsvText.Escape(item.EventId ?? ""), CsvText.Escape(outcome.Error ?? item.Error ?? "")));
                    break;
            }
        }

        public double EventsPerSecond(Stopwatch watch) => Events / Math.Max(1e-9, watch.Elapsed.TotalSeconds);

        public string Line(Stopwatch watch)
        {
            var fraction = totalBytes == 0 ? 1 : (double)BytesRead / totalBytes;
            var eta = fraction > 0 ? watch.Elapsed.TotalSeconds * (1 - fraction) / fraction : 0;
            return $"replay: {Rows:N0} rows ({fraction:P0}), {Events:N0} events, {EventsPerSecond(watch):N0} events/s, ETA {eta:N0} s";
        }

        public string Summary(Stopwatch watch) =>
            $"replayed {Events} events: {Accepted} accepted, {Duplicates} duplicates, {Rejected} rejected in {watch.Elapsed.TotalSeconds.ToString("F1", CultureInfo.InvariantCulture)} s ({EventsPerSecond(watch).ToString("F0", CultureInfo.InvariantCulture)} events/s)";
    }

    /// <summary>Posts batches as NDJSON to a running server, retrying while it answers 503 or is unreachable.</summary>
    private sealed class HttpSink(Uri baseUri, string currency) : IDisposable
    {
        private readonly HttpClient _http = new() { BaseAddress = baseUri, Timeout = TimeSpan.FromMinutes(2) };

        public async Task<EventOutcome[]> SendAsync(IReadOnlyList<ReplayItem> items, CancellationToken ct)
        {
            using var buffer = new MemoryStream();
            foreach (var item in items)
            {
                using (var w = new Utf8JsonWriter(buffer)) WireWriter.Write(w, item.Command!, currency);
                buffer.WriteByte((byte)'\n');
            }

            var body = buffer.ToArray();
            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    using var content = new ByteArrayContent(body);
                    content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/x-ndjson");
                    using var response = await _http.PostAsync("/v1/events", content, ct);
                    if (response.StatusCode is HttpStatusCode.OK or HttpStatusCode.MultiStatus or HttpStatusCode.UnprocessableEntity)
                    {
                        using var doc = await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync(ct), cancellationToken: ct);
                        return doc.RootElement.GetProperty("results").EnumerateArray()
                            .Select(r => new EventOutcome(
                                r.TryGetProperty("event_id", out var id) && id.ValueKind == JsonValueKind.String ? id.GetString() : null,
                                r.GetProperty("status").GetString()!,
                                r.TryGetProperty("error", out var e) && e.ValueKind == JsonValueKind.String ? e.GetString() : null))
                            .ToArray();
                    }

                    if (response.StatusCode != HttpStatusCode.ServiceUnavailable || attempt >= 8)
                        throw new StorageUnavailableException($"the server answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(ct)}");
                }
                catch (HttpRequestException ex) when (attempt < 8)
                {
                    await Console.Error.WriteLineAsync($"replay: {ex.Message}; retrying");
                }

                await Task.Delay(TimeSpan.FromMilliseconds(200 * Math.Pow(2, attempt)), ct);
            }
        }

        public void Dispose() => _http.Dispose();
    }
}
