using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Xunit;

namespace LoyaltyActors.Host.Tests;

/// <summary>
/// The aggregator tests replay whole public data sets through real processes; on a small machine they would
/// starve each other (and hit write timeouts) if xUnit ran their classes in parallel, so they share one collection.
/// </summary>
[CollectionDefinition(Name)]
public sealed class AggregatorCollection
{
    public const string Name = "Aggregators";
}

/// <summary>One 2-item association rule as printed by the engine (CSV, JSON or HTTP).</summary>
public sealed record PrintedRule(string Antecedent, string Consequent, double Support, double Confidence, double Lift, long Count)
{
    public const string CsvHeader = "antecedent,consequent,support,confidence,lift,count";

    public static IReadOnlyList<PrintedRule> ParseCsv(string csv)
    {
        var lines = csv.Split('\n').Select(l => l.TrimEnd('\r')).Where(l => l.Length > 0).ToList();
        Assert.True(lines.Count > 0 && lines[0] == CsvHeader, $"expected the header '{CsvHeader}', got '{lines.FirstOrDefault()}'");
        return lines.Skip(1).Select(line =>
        {
            var f = TestCsv.Split(line);
            Assert.True(f.Count == 6, $"expected 6 columns: '{line}'");
            return new PrintedRule(f[0], f[1], TestCsv.Double(f[2]), TestCsv.Double(f[3]), TestCsv.Double(f[4]),
                long.Parse(f[5], NumberStyles.None, CultureInfo.InvariantCulture));
        }).ToList();
    }

    public static IReadOnlyList<PrintedRule> ParseJson(string json)
    {
        using var doc = JsonDocument.Parse(json);
        Assert.Equal(JsonValueKind.Array, doc.RootElement.ValueKind);
        return doc.RootElement.EnumerateArray().Select(r => new PrintedRule(
            r.GetProperty("antecedent").GetString()!, r.GetProperty("consequent").GetString()!,
            r.GetProperty("support").GetDouble(), r.GetProperty("confidence").GetDouble(), r.GetProperty("lift").GetDouble(),
            r.GetProperty("count").GetInt64())).ToList();
    }
}

/// <summary>A rule counted here, with arules' definitions (data/groceries/README.md).</summary>
public sealed record ExpectedRule(string Antecedent, string Consequent, long Count, double Support, double Confidence, double Lift);

/// <summary>
/// Exact 1- and 2-itemset counts of a list of baskets, written the obvious way, independently of the engine:
/// every basket is a set of items (labels trimmed, empty labels dropped, a repeated label counted once).
/// </summary>
public sealed class BasketCounts
{
    private readonly Dictionary<string, long> _items = new(StringComparer.Ordinal);
    private readonly Dictionary<(string, string), long> _pairs = new();

    public BasketCounts(IEnumerable<IReadOnlyCollection<string>> baskets)
    {
        foreach (var basket in baskets)
        {
            Baskets++;
            var set = basket.Distinct(StringComparer.Ordinal).ToArray();
            foreach (var a in set)
            {
                _items[a] = _items.GetValueOrDefault(a) + 1;
                foreach (var b in set)
                    if (!string.Equals(a, b, StringComparison.Ordinal)) _pairs[(a, b)] = _pairs.GetValueOrDefault((a, b)) + 1;
            }
        }
    }

    /// <summary>N, the denominator of every support.</summary>
    public long Baskets { get; }

    public IReadOnlyDictionary<string, long> Items => _items;

    /// <summary>Groceries as arules <c>read.transactions(sep=",")</c> reads it: items trimmed.</summary>
    public static BasketCounts ReadGroceries(string path) =>
        new(File.ReadLines(path)
            .Where(l => !string.IsNullOrWhiteSpace(l))
            .Select(l => (IReadOnlyCollection<string>)l.Split(',').Select(i => i.Trim()).Where(i => i.Length > 0).ToArray()));

    public long Item(string a) => _items.GetValueOrDefault(a);

    public long Pair(string a, string b) => _pairs.GetValueOrDefault((a, b));

    /// <summary>lift(a ⇒ b) = confidence / support(b).</summary>
    public double Lift(string a, string b) => (double)Pair(a, b) / Item(a) / ((double)Item(b) / Baskets);

    /// <summary>
    /// Every rule {a} ⇒ {b} with count(a,b)/N ≥ minSupport and count(a,b)/count(a) ≥ minConfidence, compared
    /// exactly in decimal (so 0.006 of 9,835 baskets means a count of at least 60, as in arules).
    /// </summary>
    public IReadOnlyDictionary<(string, string), ExpectedRule> Rules(decimal minSupport, decimal minConfidence) =>
        _pairs.Where(p => p.Value >= minSupport * Baskets && p.Value >= minConfidence * Item(p.Key.Item1))
            .ToDictionary(p => p.Key, p => new ExpectedRule(p.Key.Item1, p.Key.Item2, p.Value,
                (double)p.Value / Baskets, (double)p.Value / Item(p.Key.Item1), Lift(p.Key.Item1, p.Key.Item2)));

    /// <summary>The printed rules are exactly the expected ones, with the same figures, sorted by lift descending.</summary>
    public static void AssertSameRules(IReadOnlyDictionary<(string, string), ExpectedRule> expected, IReadOnlyList<PrintedRule> printed, string what)
    {
        var byKey = new Dictionary<(string, string), PrintedRule>();
        foreach (var r in printed)
            Assert.True(byKey.TryAdd((r.Antecedent, r.Consequent), r), $"{what}: the rule {{{r.Antecedent}}} => {{{r.Consequent}}} is printed twice");
        var missing = expected.Keys.Except(byKey.Keys).Take(10).ToList();
        var extra = byKey.Keys.Except(expected.Keys).Take(10).ToList();
        Assert.True(missing.Count == 0 && extra.Count == 0,
            $"{what}: {expected.Count} rules expected, {printed.Count} printed; missing e.g. [{string.Join("; ", missing)}], extra e.g. [{string.Join("; ", extra)}]");

        var wrong = new List<string>();
        foreach (var (key, e) in expected)
        {
            var a = byKey[key];
            if (a.Count != e.Count || !Close(a.Support, e.Support) || !Close(a.Confidence, e.Confidence) || !Close(a.Lift, e.Lift))
                wrong.Add($"{key}: expected {e}, printed {a}");
        }

        Assert.True(wrong.Count == 0, $"{what}: {wrong.Count} rules differ, e.g.\n{string.Join('\n', wrong.Take(10))}");
        AssertSortedByLift(printed, what);
    }

    public static void AssertSortedByLift(IReadOnlyList<PrintedRule> printed, string what)
    {
        for (var i = 1; i < printed.Count; i++)
            Assert.True(printed[i - 1].Lift >= printed[i].Lift,
                $"{what}: not sorted by lift descending at row {i}: {printed[i - 1]} before {printed[i]}");
    }

    /// <summary>Equal up to floating-point rounding (the engine may group the same operations differently).</summary>
    public static bool Close(double actual, double expected, double relative = 1e-12) =>
        Math.Abs(actual - expected) <= relative * Math.Max(Math.Abs(actual), Math.Abs(expected));
}

/// <summary>The body of <c>loyalty segments</c> and <c>GET /v1/segments</c>.</summary>
public sealed record SegmentsBody(int K, IReadOnlyList<SegmentsBody.Segment> Segments, long EventsConsumed, JsonElement Raw)
{
    public static readonly string[] Labels = ["champions", "loyal", "potential", "at risk", "hibernating"];
    public static readonly string[] Features = ["recency", "frequency", "monetary", "variety"];

    public sealed record Segment(int Id, string Label, long Size, IReadOnlyDictionary<string, double> Centroid, JsonElement Raw);

    public static SegmentsBody Parse(string json)
    {
        JsonElement root;
        try
        {
            root = JsonDocument.Parse(json).RootElement.Clone();
        }
        catch (JsonException ex)
        {
            Assert.Fail($"the segment model is not JSON ({ex.Message}): '{json}'");
            throw;
        }

        var segments = root.GetProperty("segments").EnumerateArray().Select(s => new Segment(
            s.GetProperty("id").GetInt32(), s.GetProperty("label").GetString()!, s.GetProperty("size").GetInt64(),
            s.GetProperty("centroid").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetDouble(), StringComparer.Ordinal),
            s)).ToList();
        return new SegmentsBody(root.GetProperty("k").GetInt32(), segments, root.GetProperty("events_consumed").GetInt64(), root);
    }

    /// <summary>k = 5, five segments with the five labels, every centroid with the four features, sizes summing to <paramref name="customers"/>.</summary>
    public void AssertWellFormed(long customers)
    {
        Assert.Equal(5, K);
        Assert.Equal(5, Segments.Count);
        Assert.Equal(Labels.Order(StringComparer.Ordinal), Segments.Select(s => s.Label).Order(StringComparer.Ordinal));
        foreach (var s in Segments)
        {
            Assert.Equal(Features.Order(StringComparer.Ordinal), s.Centroid.Keys.Order(StringComparer.Ordinal));
            Assert.True(s.Centroid.Values.All(double.IsFinite), $"segment {s.Id} has a non-finite centroid: {s.Raw}");
        }

        Assert.True(Segments.Sum(s => s.Size) == customers, $"the sizes sum to {Segments.Sum(s => s.Size)}, not {customers}: {Raw}");
    }
}

/// <summary>Minimal CSV reading for the engine's outputs (RFC 4180 quoting).</summary>
public static class TestCsv
{
    public static IReadOnlyList<string> Split(string line)
    {
        var fields = new List<string>();
        var field = new StringBuilder();
        var quoted = false;
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (quoted)
            {
                if (c != '"') field.Append(c);
                else if (i + 1 < line.Length && line[i + 1] == '"')
                {
                    field.Append('"');
                    i++;
                }
                else quoted = false;
            }
            else if (c == '"') quoted = true;
            else if (c == ',')
            {
                fields.Add(field.ToString());
                field.Clear();
            }
            else field.Append(c);
        }

        fields.Add(field.ToString());
        return fields;
    }

    public static double Double(string text) => double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);
}

/// <summary>Bounded polling: probe, check, wait a little, until the condition holds or the deadline passes.</summary>
public static class AggregatorPoll
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(250);

    /// <summary>
    /// Probes until <paramref name="done"/> holds and returns that value; fails, naming <paramref name="what"/> and
    /// the last value seen, when <paramref name="impossible"/> holds (e.g. a count overshot) or the deadline passes.
    /// </summary>
    public static async Task<T> UntilAsync<T>(Func<Task<T>> probe, Func<T, bool> done, TimeSpan deadline, string what,
        Func<T, bool>? impossible = null, Func<string>? context = null)
    {
        var watch = Stopwatch.StartNew();
        while (true)
        {
            var value = await probe();
            if (done(value)) return value;
            if (impossible?.Invoke(value) == true) Assert.Fail($"{what}: impossible value {value}\n{context?.Invoke()}");
            if (watch.Elapsed > deadline)
                Assert.Fail($"{what}: not reached within {deadline.TotalSeconds} s; last seen {value}\n{context?.Invoke()}");
            await Task.Delay(Interval); // bounded poll interval, not a synchronisation sleep
        }
    }
}

/// <summary>HTTP reads of the model endpoints.</summary>
public static class AggregatorApi
{
    public static async Task<(HttpStatusCode Status, string? MediaType, string Body)> GetAsync(this LoyaltyHostProcess host, string uri)
    {
        using var response = await host.Http.GetAsync(uri);
        return (response.StatusCode, response.Content.Headers.ContentType?.MediaType, await response.Content.ReadAsStringAsync());
    }

    public static async Task<string> GetOkAsync(this LoyaltyHostProcess host, string uri)
    {
        var (status, _, body) = await host.GetAsync(uri);
        host.AssertStatus(HttpStatusCode.OK, status, $"GET {uri}: {body}");
        return body;
    }

    public static async Task<SegmentsBody> GetSegmentsAsync(this LoyaltyHostProcess host) =>
        SegmentsBody.Parse(await host.GetOkAsync("v1/segments"));
}

/// <summary>
/// <c>dotnet loyalty.dll ARGS</c> running in the background (hermetic like <see cref="LoyaltyHostProcess.RunCliAsync"/>),
/// for a replay the test interrupts. Only this process is ever killed, by its own handle.
/// </summary>
public sealed class BackgroundCli : IAsyncDisposable
{
    private readonly Process _process;
    private readonly Task<string> _stdout;
    private readonly Task<string> _stderr;
    private readonly Stopwatch _watch = Stopwatch.StartNew();
    private readonly string _workDir;

    private BackgroundCli(Process process, string workDir)
    {
        _process = process;
        _workDir = workDir;
        _stdout = process.StandardOutput.ReadToEndAsync();
        _stderr = process.StandardError.ReadToEndAsync();
    }

    public bool HasExited => _process.HasExited;

    public static BackgroundCli Start(IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        var workDir = Path.Combine(Path.GetTempPath(), "loyalty-host-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(workDir);
        var process = new Process { StartInfo = CliProcess.CliStartInfo(workDir, args, environment) };
        process.Start();
        return new BackgroundCli(process, workDir);
    }

    /// <summary>Kills this process (and its children) and returns what it printed.</summary>
    public async Task<CliRun> KillAsync()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        return await WaitAsync(TimeSpan.FromSeconds(30));
    }

    public async Task<CliRun> WaitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cts.Token);
        return new CliRun(_process.ExitCode, await _stdout, await _stderr, _watch.Elapsed);
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
        _process.Dispose();
        try
        {
            Directory.Delete(_workDir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
