using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
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

    [Fact]
    public async Task A_reward_reaches_the_stream_and_the_webhook_once_though_its_history_is_replayed_again_across_a_restart()
    {
        // a receiver that fails the first attempt, then accepts
        int port;
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            port = ((IPEndPoint)probe.LocalEndpoint).Port;
        }

        using var listener = new HttpListener();
        listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        listener.Start();
        var received = new ConcurrentQueue<(string Id, string Body, int Answer)>();
        var accepted = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var receiving = Task.Run(async () =>
        {
            while (listener.IsListening)
            {
                HttpListenerContext context;
                try { context = await listener.GetContextAsync(); }
                catch (Exception e) when (e is HttpListenerException or ObjectDisposedException) { return; }
                using var reader = new StreamReader(context.Request.InputStream, Encoding.UTF8);
                var body = await reader.ReadToEndAsync();
                var answer = received.IsEmpty ? 500 : 200;
                received.Enqueue((context.Request.Headers["webhook-id"]!, body, answer));
                context.Response.StatusCode = answer;
                context.Response.Close();
                if (answer == 200) accepted.TrySetResult(body);
            }
        });

        await using var host = await LoyaltyHostProcess.StartAsync(output, new Dictionary<string, string>
        {
            ["Loyalty__Notifications__Webhooks__0__Url"] = $"http://127.0.0.1:{port}/hook",
            ["Loyalty__Notifications__Webhooks__0__Secret"] = "whsec_" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
            ["Loyalty__Notifications__InitialBackoffSeconds"] = "1",
            ["Loyalty__Notifications__MaxBackoffSeconds"] = "2",
        });
        using var stream = await host.Http.GetAsync("/v1/notifications/stream", HttpCompletionOption.ResponseHeadersRead);
        using var frames = new StreamReader(await stream.Content.ReadAsStreamAsync(), Encoding.UTF8);

        using var scratch = new CliScratch();
        var input = scratch.Path("history.ndjson");
        var day = DateTimeOffset.UtcNow.AddDays(-2);
        await File.WriteAllLinesAsync(input,
        [
            Purchase("nt-1", "notified", Iso(day), "o-1", new SentLine("TV", "electronics", 1, 999m)).ToJsonString(),
            Purchase("nt-2", "notified", Iso(day.AddHours(1)), "o-2", new SentLine("HDMI", "electronics", 1, 1m)).ToJsonString(),
        ]);
        Assert.Equal(0, (await LoyaltyHostProcess.RunCliAsync(null, "replay", input, "--to", host.BaseAddress.ToString())).ExitCode);

        // the live stream carries it at once
        string? data = null;
        while (data is null && await frames.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30)) is { } line)
            if (line.StartsWith("data:", StringComparison.Ordinal)) data = line[5..];
        using (var frame = JsonDocument.Parse(data!))
        {
            Assert.Equal(("reward.issued", "notified"), (frame.RootElement.GetProperty("type").GetString(), frame.RootElement.GetProperty("customer_id").GetString()));
            Assert.Equal("voucher-10", frame.RootElement.GetProperty("data").GetProperty("reward").GetString());
        }

        // the webhook gets it after a failed first attempt, whatever happens to the history and the host meanwhile
        await host.RestartAsync();
        Assert.Equal(0, (await LoyaltyHostProcess.RunCliAsync(null, "replay", input, "--to", host.BaseAddress.ToString())).ExitCode);
        var body = await accepted.Task.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Contains("\"notified\"", body, StringComparison.Ordinal);
        await host.RestartAsync();
        Assert.Equal(0, (await LoyaltyHostProcess.RunCliAsync(null, "replay", input, "--to", host.BaseAddress.ToString())).ExitCode);

        var outbox = JsonDocument.Parse(await host.Http.GetStringAsync("/v1/notifications?status=delivered")).RootElement.EnumerateArray()
            .Where(n => n.GetProperty("customer_id").GetString() == "notified").ToList();
        var delivered = Assert.Single(outbox);
        var attempts = received.ToArray();
        Assert.All(attempts, a => Assert.Equal(delivered.GetProperty("notification_id").GetString(), a.Id));
        Assert.Equal(1, attempts.Count(a => a.Answer == 200));
        Assert.Single((await host.GetProfileAsync("notified")).GetProperty("rewards").EnumerateArray());
        listener.Stop();
        await receiving;
    }
}
