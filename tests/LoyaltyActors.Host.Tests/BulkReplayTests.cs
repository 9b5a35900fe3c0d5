using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using LoyaltyActors.Tests;
using Microsoft.Data.Sqlite;
using Xunit;
using Xunit.Abstractions;

namespace LoyaltyActors.Host.Tests;

/// <summary>
/// A generated history (purchases, partial returns, a return before its order, redemptions some of which exceed the
/// balance, views, a repeated event id, an unreadable line) over two years under the shipped program (expiry, tiers,
/// rewards), replayed once through the customer actors; shared by <see cref="BulkReplayTests"/>.
/// </summary>
public sealed class GeneratedHistory : IDisposable
{
    /// <summary>Snapshots every 5 events, so that both paths write and recover from snapshots.</summary>
    public static IReadOnlyDictionary<string, string> Environment { get; } = new Dictionary<string, string>(CliProcess.Patient)
    {
        ["Loyalty__Customers__SnapshotEvery"] = "5",
    };

    public static readonly string[] Customers = ["gh-1", "gh-2", "gh-3", "gh-4", "gh-5", "gh-6"];

    private readonly SemaphoreSlim _gate = new(1, 1);
    private CliRun? _actors;
    private CliRun? _steadyActors;

    public GeneratedHistory()
    {
        var lines = Generate();
        File.WriteAllLines(FullInput, lines);
        // A redemption refused for want of points is not recorded, so a later replay decides it again against a larger
        // balance (on either path): only an input without them replays to "nothing changes" in every part.
        var steady = lines.Where(l => !l.Contains("\"type\":\"redeem\"", StringComparison.Ordinal)).ToList();
        File.WriteAllLines(SteadyInput, steady);
        // The first part of it: customers already in a data dir before a replay on top of it.
        File.WriteAllLines(FirstPart, steady.Take(steady.Count * 2 / 5));
    }

    public CliScratch Scratch { get; } = new();

    public string FullInput => Scratch.Path("history.ndjson");

    /// <summary>The history without redemptions.</summary>
    public string SteadyInput => Scratch.Path("history-steady.ndjson");

    /// <summary>The first part of <see cref="SteadyInput"/>.</summary>
    public string FirstPart => Scratch.Path("history-first-part.ndjson");

    /// <summary>The data dir the actor path replayed <see cref="FullInput"/> into.</summary>
    public string ActorsDir => Scratch.Path("actors");

    /// <summary>The data dir the actor path replayed <see cref="SteadyInput"/> into.</summary>
    public string SteadyActorsDir => Scratch.Path("actors-steady");

    /// <summary>The actor path's replay of <see cref="FullInput"/> into <see cref="ActorsDir"/>, run once.</summary>
    public async Task<CliRun> ActorReplayAsync()
    {
        await _gate.WaitAsync();
        try
        {
            return _actors ??= await LoyaltyHostProcess.RunCliAsync(Environment,
                "replay", FullInput, "--format", "ndjson", "--engine", "actors", "--data-dir", ActorsDir, "--rejects", Scratch.Path("actors-rejects.csv"));
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>The actor path's replay of <see cref="SteadyInput"/> into <see cref="SteadyActorsDir"/>, run once.</summary>
    public async Task<CliRun> SteadyActorReplayAsync()
    {
        await _gate.WaitAsync();
        try
        {
            return _steadyActors ??= await LoyaltyHostProcess.RunCliAsync(Environment,
                "replay", SteadyInput, "--format", "ndjson", "--engine", "actors", "--data-dir", SteadyActorsDir);
        }
        finally
        {
            _gate.Release();
        }
    }

    private static List<string> Generate()
    {
        var random = new Random(20240611);
        var lines = new List<string>();
        var start = new DateTime(2022, 1, 3, 9, 0, 0, DateTimeKind.Utc);
        var orders = Customers.ToDictionary(c => c, _ => new List<(string Order, string Sku, int Qty)>());
        string At(int day, int minute) => start.AddDays(day).AddMinutes(minute).ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
        string[] skus = ["sku-a", "sku-b", "sku-c", "sku-d", "sku-e"];
        var n = 0;
        string Id() => "gh-event-" + (++n).ToString(CultureInfo.InvariantCulture);

        // A return that arrives before its order is held, then settled when the order comes.
        lines.Add(WireEvents.Return(Id(), "gh-1", At(0, 1), "gh-1-early", ("sku-a", 1)).ToJsonString());
        string? repeated = null;
        for (var day = 0; day < 720; day += 1 + random.Next(9))
        {
            foreach (var customer in Customers)
            {
                if (random.NextDouble() < 0.35) continue;
                var minute = random.Next(600);
                var kind = random.Next(10);
                var mine = orders[customer];
                if (kind < 6 || mine.Count == 0)
                {
                    var order = $"{customer}-o{mine.Count}";
                    if (customer == "gh-1" && mine.Count == 3) order = "gh-1-early";
                    var sku = skus[random.Next(skus.Length)];
                    var qty = 1 + random.Next(4);
                    var line = WireEvents.Purchase(Id(), customer, At(day, minute), order,
                        new SentLine(sku, "cat-" + sku[^1], qty, Math.Round((decimal)(5 + random.NextDouble() * 300), 2))).ToJsonString();
                    lines.Add(line);
                    repeated ??= line;
                    mine.Add((order, sku, qty));
                }
                else if (kind < 8)
                {
                    var (order, sku, qty) = mine[random.Next(mine.Count)];
                    lines.Add(WireEvents.Return(Id(), customer, At(day, minute), order, (sku, 1 + random.Next(qty))).ToJsonString());
                }
                else if (kind < 9)
                {
                    // Some exceed the balance: rejected as insufficient points, on both paths alike.
                    lines.Add(WireEvents.Redeem(Id(), customer, At(day, minute), 50 + random.Next(900), "voucher-5").ToJsonString());
                }
                else
                {
                    lines.Add(WireEvents.View(Id(), customer, At(day, minute), skus[random.Next(skus.Length)], 3 + random.Next(60)).ToJsonString());
                }
            }

            if (day is > 300 and < 310 && repeated is not null)
            {
                lines.Add(repeated); // the same event id again: a duplicate
                lines.Add("{\"event_id\":\"gh-broken\",\"type\":\"purchase\""); // unreadable: rejected before any customer sees it
                repeated = null;
            }
        }

        return lines;
    }

    public void Dispose()
    {
        Scratch.Dispose();
        _gate.Dispose();
    }
}

/// <summary>
/// The offline bulk replay (no actors, rows appended to the SQLite journal directly) against the customer actors'
/// path: the same journal rows per customer (sequence numbers, manifests, payload bytes), the same profiles, the same
/// counts and rejects; idempotent; exact on top of a data dir that already holds some of the customers; and a data
/// dir the server opens, answers from and projects.
/// </summary>
public sealed class BulkReplayTests(GeneratedHistory history, ITestOutputHelper output) : IClassFixture<GeneratedHistory>
{
    [Fact]
    public async Task Bulk_replay_writes_the_journal_and_profiles_the_customer_actors_write_for_the_same_input()
    {
        var actors = await history.ActorReplayAsync();
        output.WriteLine(actors.ToString());
        var bulkDir = history.Scratch.Path("bulk-equivalence");
        // Transactions of 20 rows and at most 2 customers in memory: the others are dropped once their rows committed and
        // read back (latest snapshot + later events) many times.
        var bulk = await LoyaltyHostProcess.RunCliAsync(GeneratedHistory.Environment,
            "replay", history.FullInput, "--format", "ndjson", "--engine", "bulk", "--bulk-customers", "2", "--bulk-transaction-rows", "20", "--data-dir", bulkDir,
            "--rejects", history.Scratch.Path("bulk-rejects.csv"));
        output.WriteLine(bulk.ToString());

        var expected = ReplayReport.Of(actors);
        Assert.True(expected.Accepted > 100 && expected.Duplicates >= 1 && expected.Rejected >= 2,
            $"the history must exercise accepted, duplicate and rejected events: {actors}");
        Assert.Equal(expected, ReplayReport.Of(bulk));
        Assert.Equal(
            File.ReadAllLines(history.Scratch.Path("actors-rejects.csv")).Order(StringComparer.Ordinal),
            File.ReadAllLines(history.Scratch.Path("bulk-rejects.csv")).Order(StringComparer.Ordinal));

        var want = JournalRows.Read(history.ActorsDir);
        var got = JournalRows.Read(bulkDir);
        Assert.True(want.Values.Any(events => events.Any(e => e.Manifest == "T1")) && want.Values.Any(events => events.Any(e => e.Manifest == "H1")),
            "the history must cause program events (tier changes) and a held return");
        JournalRows.AssertSame(want, got);
        Assert.True(JournalRows.Snapshots(bulkDir) > 0, "the bulk path wrote no snapshot although customers passed SnapshotEvery");

        foreach (var customer in GeneratedHistory.Customers)
            Assert.Equal(await ProfileAsync(history.ActorsDir, customer), await ProfileAsync(bulkDir, customer));
    }

    [Fact]
    public async Task An_unknown_engine_is_refused_with_one_line_naming_the_option()
    {
        using var scratch = new CliScratch();
        var line = (await LoyaltyHostProcess.RunCliAsync(null,
            "replay", history.FullInput, "--format", "ndjson", "--engine", "fast", "--data-dir", scratch.Path("data"))).FailedWithOneLine();
        Assert.Contains("--engine", line);
    }

    [SkippableFact]
    public async Task Bulk_replay_of_the_CDNOW_sample_writes_the_journal_the_customer_actors_write()
    {
        var sample = TestData.Require("cdnow-lifetimes/CDNOW_sample.txt");
        using var scratch = new CliScratch();
        var actors = await LoyaltyHostProcess.RunCliAsync(CliProcess.Patient,
            "replay", sample, "--format", "cdnow-sample", "--engine", "actors", "--data-dir", scratch.Path("actors"));
        var bulk = await LoyaltyHostProcess.RunCliAsync(CliProcess.Patient,
            "replay", sample, "--format", "cdnow-sample", "--data-dir", scratch.Path("bulk"));
        output.WriteLine(actors.ToString());
        output.WriteLine(bulk.ToString());
        var report = ReplayReport.Of(bulk);
        Assert.Equal(report.Rows, report.Accepted);
        Assert.Equal(report.Rows, ReplayReport.Of(actors).Accepted + ReplayReport.Of(actors).Duplicates);

        JournalRows.AssertSame(JournalRows.Read(scratch.Path("actors")), JournalRows.Read(scratch.Path("bulk")));
        foreach (var customer in new[] { "0001", "0006", "0157" })
            Assert.Equal(await ProfileAsync(scratch.Path("actors"), customer), await ProfileAsync(scratch.Path("bulk"), customer));
    }

    [Fact]
    public async Task A_second_bulk_replay_of_the_same_input_finds_only_duplicates_and_leaves_the_journal_as_it_was()
    {
        var dir = history.Scratch.Path("bulk-twice");
        var first = ReplayReport.Of(await BulkAsync(history.SteadyInput, dir));
        Assert.True(first.Accepted > 100 && first.Duplicates >= 1 && first.Rejected >= 1, $"the input must hold new, repeated and unreadable events: {first}");
        var before = JournalRows.Everything(dir);

        var second = await BulkAsync(history.SteadyInput, dir);
        output.WriteLine(second.ToString());
        var report = ReplayReport.Of(second);
        Assert.Equal(first.Accepted + first.Duplicates, report.Duplicates);
        Assert.Equal(0, report.Accepted);
        Assert.Equal(first.Rejected, report.Rejected);
        Assert.Equal(before, JournalRows.Everything(dir));
    }

    [Fact]
    public async Task Bulk_replay_on_top_of_a_data_dir_holding_some_of_the_customers_continues_their_sequence_numbers()
    {
        var actors = await history.SteadyActorReplayAsync();
        ReplayReport.Of(actors);
        var dir = history.Scratch.Path("bulk-on-top");
        // The first part through the actors: the data dir then holds events and snapshots of most customers.
        var part = ReplayReport.Of(await LoyaltyHostProcess.RunCliAsync(GeneratedHistory.Environment,
            "replay", history.FirstPart, "--format", "ndjson", "--engine", "actors", "--data-dir", dir));
        Assert.True(JournalRows.Snapshots(dir) > 0, "the first part left no snapshot: recovery from a snapshot is not exercised");

        var run = await BulkAsync(history.SteadyInput, dir);
        output.WriteLine(run.ToString());
        var report = ReplayReport.Of(run);
        // What the first part recorded is found again; the rest is what one replay of the whole input records.
        var whole = ReplayReport.Of(actors);
        Assert.True(part.Accepted > 0 && part.Accepted < whole.Accepted, $"the first part must record some of the events: {part}");
        Assert.Equal(part.Accepted + whole.Duplicates, report.Duplicates);
        Assert.Equal(whole.Accepted - part.Accepted, report.Accepted);

        JournalRows.AssertSame(JournalRows.Read(history.SteadyActorsDir), JournalRows.Read(dir));
        foreach (var customer in GeneratedHistory.Customers.Take(3))
            Assert.Equal(await ProfileAsync(history.SteadyActorsDir, customer), await ProfileAsync(dir, customer));
    }

    [Fact]
    public async Task The_server_on_a_bulk_replayed_data_dir_answers_profiles_and_its_projections_catch_up()
    {
        // Points that never expire, one tier in effect and no review: nothing falls due, so the server adds no event of its own.
        var environment = new Dictionary<string, string>(GeneratedHistory.Environment);
        foreach (var (key, value) in LoyaltyHostProcess.PointsOnly) environment[key] = value;
        await using var host = await LoyaltyHostProcess.StartAsync(output, environment);
        Assert.Equal(0, await host.StopAsync());
        ReplayReport.Of(await LoyaltyHostProcess.RunCliAsync(environment,
            "replay", history.FullInput, "--format", "ndjson", "--engine", "bulk", "--data-dir", host.DataDir));
        // The aggregators count the customers' own events, not the program's (expiry, tiers, rewards, wake-ups), which a
        // server may add as time passes: purchases, returns (held ones too), views, reviews and redemptions.
        string[] ownEvents = ["P1", "P2", "P3", "R1", "R2", "V1", "W1", "D1", "H1"];
        var rows = JournalRows.Read(host.DataDir).Values.Sum(events => events.Count(e => ownEvents.Contains(e.Manifest)));
        var offline = await LoyaltyHostProcess.RunCliAsync(environment, "customer", "gh-2", "--as-of", AsOf, "--data-dir", host.DataDir);
        using var expected = JsonDocument.Parse(offline.Succeeded().Stdout);

        await host.StartAsync();
        var (status, _, body) = await host.GetAsync("v1/customers/gh-2?as_of=" + AsOf);
        Assert.True(status == HttpStatusCode.OK, $"GET v1/customers/gh-2: {(int)status} {body}");
        using var served = JsonDocument.Parse(body);
        foreach (var field in new[] { "orders", "returns", "monetary_total", "points_balance", "tier", "first_purchase_at", "last_purchase_at" })
            Assert.True(expected.RootElement.GetProperty(field).ToString() == served.RootElement.GetProperty(field).ToString(),
                $"{field}: offline {expected.RootElement.GetProperty(field)}, served {served.RootElement.GetProperty(field)}");
        Assert.True(served.RootElement.GetProperty("orders").GetInt32() > 0, body);

        // Every one of them reaches the aggregators, once.
        await AggregatorPoll.UntilAsync(host.GetSegmentsAsync, m => m.EventsConsumed == rows, TimeSpan.FromSeconds(120),
            $"GET /v1/segments events_consumed = {rows}", m => m.EventsConsumed > rows, () => host.Log);
        await AggregatorPoll.UntilAsync(async () => JsonDocument.Parse(await host.GetOkAsync("v1/stats/tiers")).RootElement.GetProperty("customers").GetInt32(),
            n => n == GeneratedHistory.Customers.Length, TimeSpan.FromSeconds(120), "GET /v1/stats/tiers counting every customer",
            n => n > GeneratedHistory.Customers.Length, () => host.Log);
        await AggregatorPoll.UntilAsync(async () => (await host.GetAsync("v1/items/sku-a/similar")).Status, s => s == HttpStatusCode.OK,
            TimeSpan.FromSeconds(120), "GET /v1/items/sku-a/similar", context: () => host.Log);
    }

    private Task<CliRun> BulkAsync(string input, string dir) =>
        LoyaltyHostProcess.RunCliAsync(GeneratedHistory.Environment, "replay", input, "--format", "ndjson", "--engine", "bulk", "--data-dir", dir);

    /// <summary>After every event of the inputs: a profile as of then is the recovered state's, not a fold of the journal.</summary>
    private const string AsOf = "2030-01-01T00:00:00Z";

    /// <summary>
    /// The profile JSON `loyalty customer` prints as of <see cref="AsOf"/>: the customer recovered as its actor recovers
    /// (latest snapshot, then the later events), scored as of a fixed instant so two data dirs compare exactly.
    /// </summary>
    private static async Task<string> ProfileAsync(string dataDir, string customer)
    {
        var run = await LoyaltyHostProcess.RunCliAsync(GeneratedHistory.Environment, "customer", customer, "--as-of", AsOf, "--data-dir", dataDir);
        run.Succeeded();
        return run.Stdout.Trim();
    }
}

/// <summary>A SQLite journal's rows, per persistence id, as the plugin stores them.</summary>
internal static class JournalRows
{
    public sealed record Row(long SequenceNr, bool Deleted, string? Tags, string Manifest, int? Identifier, string Message);

    public static Dictionary<string, List<Row>> Read(string dataDir)
    {
        using var connection = Open(dataDir);
        using var cmd = connection.CreateCommand();
        cmd.CommandText = "SELECT persistence_id, sequence_number, deleted, tags, manifest, identifier, message FROM journal ORDER BY ordering";
        using var reader = cmd.ExecuteReader();
        var rows = new Dictionary<string, List<Row>>(StringComparer.Ordinal);
        while (reader.Read())
        {
            var id = reader.GetString(0);
            if (!rows.TryGetValue(id, out var list)) rows[id] = list = [];
            list.Add(new Row(reader.GetInt64(1), reader.GetBoolean(2), reader.IsDBNull(3) ? null : reader.GetString(3), reader.GetString(4),
                reader.IsDBNull(5) ? null : reader.GetInt32(5), Convert.ToHexString((byte[])reader.GetValue(6))));
        }

        return rows;
    }

    /// <summary>Every column of every journal and snapshot row, in storage order.</summary>
    public static string Everything(string dataDir)
    {
        using var connection = Open(dataDir);
        var text = new System.Text.StringBuilder();
        foreach (var table in new[] { "journal", "snapshot" })
        {
            using var cmd = connection.CreateCommand();
            cmd.CommandText = $"SELECT * FROM {table} ORDER BY rowid";
            using var reader = cmd.ExecuteReader();
            while (reader.Read())
            {
                for (var i = 0; i < reader.FieldCount; i++)
                    text.Append(reader.IsDBNull(i) ? "∅" : reader.GetValue(i) is byte[] b ? Convert.ToHexString(b) : reader.GetValue(i).ToString()).Append('|');
                text.Append('\n');
            }
        }

        return text.ToString();
    }

    public static int Snapshots(string dataDir)
    {
        using var connection = Open(dataDir);
        using var cmd = connection.CreateCommand();
        cmd.CommandText = "SELECT COUNT(*) FROM snapshot";
        return Convert.ToInt32(cmd.ExecuteScalar(), CultureInfo.InvariantCulture);
    }

    /// <summary>Same customers; per customer the same rows in sequence-number order with numbers 1, 2, 3, ….</summary>
    public static void AssertSame(Dictionary<string, List<Row>> expected, Dictionary<string, List<Row>> actual)
    {
        Assert.Equal(expected.Keys.Order(StringComparer.Ordinal), actual.Keys.Order(StringComparer.Ordinal));
        foreach (var (id, rows) in expected)
        {
            var got = actual[id];
            Assert.Equal(Enumerable.Range(1, got.Count).Select(i => (long)i), got.Select(r => r.SequenceNr));
            var differ = Enumerable.Range(0, Math.Min(rows.Count, got.Count)).Where(i => rows[i] != got[i]).DefaultIfEmpty(-1).First();
            Assert.True(rows.Count == got.Count && differ < 0,
                $"{id}: {rows.Count} rows expected, {got.Count} written; first difference at index {differ}: expected {(differ < 0 ? null : rows[differ])}, written {(differ < 0 ? null : got[differ])}");
        }
    }

    private static SqliteConnection Open(string dataDir)
    {
        var connection = new SqliteConnection($"Data Source={Path.Combine(dataDir, "journal.db")};Mode=ReadOnly;Pooling=False");
        connection.Open();
        return connection;
    }
}
