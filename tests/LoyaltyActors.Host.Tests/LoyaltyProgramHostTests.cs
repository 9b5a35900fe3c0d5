using System.Globalization;
using System.Text.Json;
using Xunit;
using Xunit.Abstractions;
using static LoyaltyActors.Host.Tests.WireEvents;

namespace LoyaltyActors.Host.Tests;

/// <summary>The loyalty program through the real server: timers that fire on their own, rewards issued once, tiers.</summary>
public sealed class LoyaltyProgramHostTests(ITestOutputHelper output)
{
    private static string Iso(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    [Fact]
    public async Task Points_expire_on_time_for_a_customer_who_sends_nothing_more_even_across_a_kill_9()
    {
        await using var host = await LoyaltyHostProcess.StartAsync(output, new Dictionary<string, string>
        {
            ["Loyalty__Points__Expiry"] = "PT8S",
            ["Loyalty__Customers__PassivateAfterSeconds"] = "1",
        });
        var bought = DateTimeOffset.UtcNow;
        await host.PostAcceptedAsync([Purchase("exp-1", "quiet", Iso(bought), "o-1", new SentLine("A", "books", 2, 20m))]);
        var expiresAt = DateTimeOffset.Parse(Iso(bought), CultureInfo.InvariantCulture).AddSeconds(8);

        var first = await host.GetProfileAsync("quiet");
        Assert.Equal(40, first.GetProperty("points_balance").GetInt64());
        Assert.Equal(expiresAt, first.GetProperty("next_expiry_at").GetDateTimeOffset());

        // the process dies before the lot expires; nobody sends this customer anything again
        await host.KillAsync();
        await host.StartAsync();

        var expired = await AggregatorPoll.UntilAsync(() => host.GetProfileAsync("quiet"),
            p => p.GetProperty("points_expired").GetInt64() > 0, TimeSpan.FromSeconds(60), "points expired by the persisted timer",
            context: () => host.Log);
        Assert.True(DateTimeOffset.UtcNow >= expiresAt, "expired before its time");
        Assert.Equal((40L, 0L), (expired.GetProperty("points_expired").GetInt64(), expired.GetProperty("points_balance").GetInt64()));
        Assert.Equal(JsonValueKind.Null, expired.GetProperty("next_expiry_at").ValueKind);
    }

    [Fact]
    public async Task A_reward_is_issued_once_however_often_its_history_is_replayed_and_the_tier_multiplies_later_points()
    {
        // shipped program: voucher-10 when the balance crosses 1,000; silver (x1.25) from 1,000 of 12-month spend
        await using var host = await LoyaltyHostProcess.StartAsync(output);
        var day = DateTimeOffset.UtcNow.AddDays(-3);
        using var scratch = new CliScratch();
        var input = scratch.Path("history.ndjson");
        await File.WriteAllLinesAsync(input,
        [
            Purchase("rw-1", "fan", Iso(day), "o-1", new SentLine("TV", "electronics", 1, 1000m)).ToJsonString(),
            Purchase("rw-2", "fan", Iso(day.AddDays(1)), "o-2", new SentLine("HDMI", "electronics", 4, 25m)).ToJsonString(),
        ]);

        for (var run = 0; run < 2; run++)
        {
            var replay = await LoyaltyHostProcess.RunCliAsync(null, "replay", input, "--to", host.BaseAddress.ToString());
            output.WriteLine(replay.ToString());
            Assert.Equal(0, replay.ExitCode);
        }

        await host.RestartAsync();
        var profile = await host.GetProfileAsync("fan");
        var reward = Assert.Single(profile.GetProperty("rewards").EnumerateArray());
        Assert.Equal(("balance-1000", "voucher-10"), (reward.GetProperty("rule_id").GetString(), reward.GetProperty("reward").GetString()));
        Assert.Equal("silver", profile.GetProperty("tier").GetString());
        // 1,000 points in the base tier, then 100 of spend at x1.25; issuing the voucher spent nothing
        Assert.Equal(1000 + 125, profile.GetProperty("points_balance").GetInt64());
    }
}
