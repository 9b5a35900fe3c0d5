using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Xunit;
using Xunit.Abstractions;
using static LoyaltyActors.Host.Tests.WireEvents;

namespace LoyaltyActors.Host.Tests;

/// <summary>Loyalty:Security:PseudonymKey: the retailer's customer ids never reach the journal.</summary>
public sealed class PseudonymTests(ITestOutputHelper output)
{
    private const string Key = "a-test-key-of-32-characters-long";

    private static string Pseudonym(string id) =>
        "p_" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(Key), Encoding.UTF8.GetBytes(id)).AsSpan(0, 16));

    [Fact]
    public async Task Ids_are_pseudonymised_at_the_edge_and_customer_paths_still_find_the_customer()
    {
        await using var host = await LoyaltyHostProcess.StartAsync(output, new Dictionary<string, string>
        {
            ["Loyalty__Security__PseudonymKey"] = Key,
        });
        await host.PostAcceptedAsync([Purchase("ps-1", "alice@example.com", "2026-11-01T10:00:00Z", "o-1", new SentLine("A", "x", 3, 10m))]);

        var profile = await host.GetProfileAsync("alice@example.com");
        Assert.Equal(Pseudonym("alice@example.com"), profile.GetProperty("customer_id").GetString());

        // redeem goes through the path and the ingestor: mapped once, not twice
        using (var redeem = await host.Http.PostAsync("v1/customers/alice%40example.com/redeem",
                   new StringContent("""{"event_id":"ps-2","points":10,"reward":"coffee"}""", Encoding.UTF8, "application/json")))
            host.AssertStatus(HttpStatusCode.OK, redeem.StatusCode, await redeem.Content.ReadAsStringAsync());
        Assert.Equal(20, (await host.GetProfileAsync("alice@example.com")).GetProperty("points_balance").GetInt64());

        await host.StopAsync();
        using var c = new SqliteConnection($"Data Source={Path.Combine(host.DataDir, "journal.db")};Mode=ReadOnly;Pooling=False");
        c.Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "select group_concat(distinct persistence_id) from journal";
        var ids = (string)cmd.ExecuteScalar()!;
        Assert.Equal("customer-" + Pseudonym("alice@example.com"), ids);
        cmd.CommandText = "select count(*) from journal where instr(message, $raw) > 0";
        cmd.Parameters.AddWithValue("$raw", Encoding.UTF8.GetBytes("alice"));
        Assert.Equal(0L, (long)cmd.ExecuteScalar()!);
    }

    [Fact]
    public async Task A_key_shorter_than_16_characters_is_refused_naming_the_setting()
    {
        var run = await LoyaltyHostProcess.RunCliAsync(new Dictionary<string, string> { ["Loyalty__Security__PseudonymKey"] = "short" },
            "customer", "x", "--data-dir", Path.Combine(Path.GetTempPath(), "loyalty-pseudonym-" + Guid.NewGuid().ToString("N")));
        Assert.NotEqual(0, run.ExitCode);
        Assert.Contains("Loyalty:Security:PseudonymKey", run.Stderr, StringComparison.Ordinal);
    }
}
