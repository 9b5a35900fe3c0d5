using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Xunit;
using Xunit.Abstractions;
using static LoyaltyActors.Host.Tests.WireEvents;

namespace LoyaltyActors.Host.Tests;

/// <summary><c>loyalty what-if</c>: the shadow figures, and proof that the data dir is left exactly as it was.</summary>
public sealed class CliWhatIfTests(ITestOutputHelper output)
{
    [Fact]
    public async Task What_if_reports_the_shadow_points_and_loyalty_and_leaves_journal_snapshots_and_models_untouched()
    {
        await using var host = await LoyaltyHostProcess.StartAsync(output);
        await host.PostAcceptedAsync([
            Purchase("w-1", "C-1", "2026-01-05T10:00:00Z", "o-1", new SentLine("A", "books", 3, 9.99m), new SentLine("B", "music", 1, 20m)),
            Return("w-2", "C-1", "2026-01-06T10:00:00Z", "o-1", ("A", 2)),
            Purchase("w-3", "C-1", "2026-01-09T10:00:00Z", "o-2", new SentLine("C", "books", 2, 15.5m)),
            Redeem("w-4", "C-1", "2026-01-10T10:00:00Z", 40, "voucher-5"),
            Purchase("w-5", "C-2", "2026-01-09T10:00:00Z", "o-3", new SentLine("A", "books", 1, 9.99m)),
        ]);
        await AggregatorPoll.UntilAsync(host.GetSegmentsAsync, s => s.EventsConsumed >= 5, TimeSpan.FromSeconds(60), "aggregators consumed the events", context: () => host.Log);
        await host.StopAsync(); // saves the models and releases the data dir

        var journalBefore = JournalDigest(host.DataDir);
        var modelsBefore = FileDigest(Path.Combine(host.DataDir, "models.db"));

        var run = await LoyaltyHostProcess.RunCliAsync(null, "what-if", "--customer", "C-1", "--as-of", "2026-02-01T00:00:00Z",
            "--set", "Loyalty:Points:PerCurrencyUnit=0.25", "--set", "Loyalty:Scoring:Loyalty:A=3", "--data-dir", host.DataDir);
        output.WriteLine(run.ToString());
        var report = JsonDocument.Parse(run.Succeeded().Stdout).RootElement;

        // Shipped rate 1: ⌊29.97⌋ + 20 + 31 = 80 earned, ⌊29·2/3⌋ = 19 back, 40 redeemed.
        var baseline = report.GetProperty("baseline");
        Assert.Equal(80, baseline.GetProperty("points_earned").GetInt64());
        Assert.Equal(80 - 19 - 40, baseline.GetProperty("points_balance").GetInt64());
        // Rate 0.25: ⌊7.4925⌋ + 5 + ⌊7.75⌋ = 19 earned, ⌊7·2/3⌋ = 4 back; 15 cannot cover the redemption of 40.
        var whatIf = report.GetProperty("what_if");
        Assert.Equal(19, whatIf.GetProperty("points_earned").GetInt64());
        Assert.Equal(15, whatIf.GetProperty("points_balance").GetInt64());
        Assert.Equal(0, whatIf.GetProperty("points_redeemed").GetInt64());
        Assert.Equal("w-4", report.GetProperty("rejected")[0].GetProperty("event_id").GetString());
        Assert.Equal(15 - (80 - 19 - 40), report.GetProperty("difference").GetProperty("points_balance").GetInt64());
        // Loyalty σ(a·orders/5 + net spend/500 + 0.5·categories/5 − 2) with 2 orders, 90.99 − 19.98 net, 2 categories.
        double Loyalty(double a) => 1 / (1 + Math.Exp(-(a * 2 / 5.0 + (20 + 9.99 + 31) / 500.0 + 0.5 * 2 / 5.0 - 2)));
        Assert.Equal(Loyalty(1), baseline.GetProperty("loyalty").GetDouble(), 1e-12);
        Assert.Equal(Loyalty(3), whatIf.GetProperty("loyalty").GetDouble(), 1e-12);

        Assert.Equal(journalBefore, JournalDigest(host.DataDir));
        Assert.Equal(modelsBefore, FileDigest(Path.Combine(host.DataDir, "models.db")));

        // The server then starts on the same data and sees the customer as recorded (no reward, no write by what-if).
        await host.StartAsync();
        var profile = JsonDocument.Parse(await host.GetOkAsync("v1/customers/C-1")).RootElement;
        Assert.Equal(80 - 19 - 40, profile.GetProperty("points_balance").GetInt64());
        Assert.Equal(4, profile.GetProperty("events").GetInt32());
    }

    [Fact]
    public async Task What_if_names_an_unknown_key()
    {
        using var scratch = new CliScratch();
        var line = (await LoyaltyHostProcess.RunCliAsync(null, "what-if", "--customer", "C-1", "--set", "Loyalty:Scoring:Loyalty:Z=1",
            "--data-dir", scratch.Path("data"))).FailedWithOneLine();
        Assert.Contains("Loyalty:Scoring:Loyalty:Z", line);
    }

    /// <summary>Every row of every table of the SQLite journal (events, snapshots, metadata), hashed in rowid order.</summary>
    private static string JournalDigest(string dataDir)
    {
        using var connection = new SqliteConnection($"Data Source={Path.Combine(dataDir, "journal.db")};Mode=ReadOnly;Pooling=False");
        connection.Open();
        var tables = new List<string>();
        using (var list = connection.CreateCommand())
        {
            list.CommandText = "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name";
            using var reader = list.ExecuteReader();
            while (reader.Read()) tables.Add(reader.GetString(0));
        }

        var text = new StringBuilder();
        foreach (var table in tables)
        {
            using var rows = connection.CreateCommand();
            rows.CommandText = $"SELECT * FROM \"{table}\" ORDER BY rowid";
            using var reader = rows.ExecuteReader();
            text.Append("table ").Append(table).Append('\n');
            while (reader.Read())
            {
                for (var i = 0; i < reader.FieldCount; i++)
                    text.Append(reader.IsDBNull(i) ? "∅" : reader.GetValue(i) is byte[] b ? Convert.ToHexString(b) : reader.GetValue(i).ToString()).Append('|');
                text.Append('\n');
            }
        }

        Assert.Contains(tables, t => t.Contains("journal", StringComparison.OrdinalIgnoreCase)); // the events' table was read
        return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString()))) + $" ({tables.Count} tables, {text.Length} chars)";
    }

    private static string FileDigest(string path) => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(path)));
}
