using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using LoyaltyActors.Notifications;
using NodaTime;
using Xunit;
using Xunit.Abstractions;

namespace LoyaltyActors.Host.Tests;

/// <summary>
/// <c>loyalty notifications list|redrive</c> through the built executable, and the server delivering what the
/// outbox holds to a configured webhook. The outbox is seeded through <see cref="NotificationOutbox"/>, the
/// same store the server writes (the reward events that feed it come from the loyalty program).
/// </summary>
public sealed class CliNotificationsTests(ITestOutputHelper output)
{
    private static readonly Instant T0 = Instant.FromUtc(2026, 11, 20, 12, 0);

    private static Notification Reward(string id) => new(id, "reward.issued", "C-" + id, Instant.FromUtc(2026, 11, 20, 10, 15),
        new JsonObject { ["reward"] = "voucher-10", ["rule"] = "balance-1000" });

    /// <summary>rw-a dead, rw-b delivered, rw-c disabled (its endpoint answered 410), all to <paramref name="endpoint"/>.</summary>
    private static void Seed(string dataDir, string endpoint)
    {
        using var outbox = new NotificationOutbox(Path.Combine(dataDir, "notifications.db"));
        outbox.Add([Reward("rw-a"), Reward("rw-b")], [endpoint], T0);
        var due = outbox.Due(T0, 10, [endpoint], new HashSet<string>()).ToDictionary(d => d.NotificationId);
        outbox.RecordFailure(due["rw-a"].DeliveryId, T0, "HTTP 500", null);
        outbox.RecordDelivered(due["rw-b"].DeliveryId, T0);
        outbox.Add([Reward("rw-c")], [endpoint], T0 + Duration.FromMinutes(1));
        var c = outbox.Due(T0 + Duration.FromMinutes(1), 10, [endpoint], new HashSet<string>()).Single();
        outbox.DisableEndpoint(endpoint, c.DeliveryId, T0 + Duration.FromMinutes(1), "410 Gone: endpoint disabled");
    }

    private static string[][] Rows(CliRun run)
    {
        run.Succeeded();
        var lines = run.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Equal("notification_id,type,customer_id,endpoint,status,attempts,next_attempt_at,last_attempt_at,delivered_at,last_error", lines[0]);
        return lines.Skip(1).Select(l => l.Split(',')).ToArray();
    }

    [Fact]
    public async Task List_filters_by_status_and_redrive_moves_dead_then_disabled_deliveries_back_to_pending()
    {
        using var scratch = new CliScratch();
        var dataDir = scratch.Path("data");
        const string endpoint = "http://127.0.0.1:9/hook";
        Seed(dataDir, endpoint);

        var all = Rows(await LoyaltyHostProcess.RunCliAsync(null, "notifications", "list", "--data-dir", dataDir));
        Assert.Equal([("rw-a", "dead"), ("rw-b", "delivered"), ("rw-c", "disabled")], all.Select(r => (r[0], r[4])));
        var dead = Assert.Single(Rows(await LoyaltyHostProcess.RunCliAsync(null, "notifications", "list", "--status", "dead", "--data-dir", dataDir)));
        Assert.Equal(["rw-a", "reward.issued", "C-rw-a", endpoint, "dead", "1", "", "2026-11-20T12:00:00Z", "", "HTTP 500"], dead);

        var redrive = await LoyaltyHostProcess.RunCliAsync(null, "notifications", "redrive", "--all-dead", "--data-dir", dataDir);
        Assert.Equal("redriven 1 deliveries", redrive.Succeeded().Stdout.Trim());

        var pending = Assert.Single(Rows(await LoyaltyHostProcess.RunCliAsync(null, "notifications", "list", "--status", "pending", "--data-dir", dataDir)));
        Assert.Equal(("rw-a", "0"), (pending[0], pending[5]));
        Assert.NotEqual("", pending[6]); // due now
        Assert.Empty(Rows(await LoyaltyHostProcess.RunCliAsync(null, "notifications", "list", "--status", "dead", "--data-dir", dataDir)));
        Assert.Equal("rw-c", Assert.Single(Rows(await LoyaltyHostProcess.RunCliAsync(null, "notifications", "list", "--status", "disabled", "--data-dir", dataDir)))[0]);

        Assert.Equal("redriven 1 deliveries", (await LoyaltyHostProcess.RunCliAsync(null, "notifications", "redrive", "--id", "rw-c", "--data-dir", dataDir)).Succeeded().Stdout.Trim());
        var json = (await LoyaltyHostProcess.RunCliAsync(null, "notifications", "list", "--format", "json", "--data-dir", dataDir)).Succeeded().Stdout;
        using var doc = JsonDocument.Parse(json);
        Assert.Equal([("rw-a", "pending"), ("rw-b", "delivered"), ("rw-c", "pending")],
            doc.RootElement.EnumerateArray().Select(e => (e.GetProperty("notification_id").GetString(), e.GetProperty("status").GetString())));

        // Nothing left to redrive: --id names the notification.
        var none = await LoyaltyHostProcess.RunCliAsync(null, "notifications", "redrive", "--id", "rw-b", "--data-dir", dataDir);
        Assert.Contains("rw-b", none.FailedWithOneLine());
    }

    [Theory]
    [InlineData("list", "--status", "lost")]
    [InlineData("redrive")]
    [InlineData("redrive", "--id", "x", "--all-dead")]
    public async Task Bad_arguments_exit_non_zero_with_one_line_naming_the_option(params string[] args)
    {
        using var scratch = new CliScratch();

        var run = await LoyaltyHostProcess.RunCliAsync(null, ["notifications", .. args, "--data-dir", scratch.Path("data")]);

        Assert.Contains("--", run.FailedWithOneLine());
    }

    [Fact]
    public async Task Notifications_commands_refuse_while_the_data_dir_is_held()
    {
        using var scratch = new CliScratch();
        var dataDir = scratch.Path("data");
        Seed(dataDir, "http://127.0.0.1:9/hook");
        using var held = DataDirLock.Acquire(dataDir);

        var list = await LoyaltyHostProcess.RunCliAsync(null, "notifications", "list", "--data-dir", dataDir);
        var redrive = await LoyaltyHostProcess.RunCliAsync(null, "notifications", "redrive", "--all-dead", "--data-dir", dataDir);

        Assert.Contains(Path.GetFullPath(dataDir), list.FailedWithOneLine());
        Assert.Contains(Path.GetFullPath(dataDir), redrive.FailedWithOneLine());
    }

    [Fact]
    public async Task Help_explains_the_subcommands_with_examples()
    {
        var help = await LoyaltyHostProcess.RunCliAsync(null, "notifications", "redrive", "--help");

        help.Succeeded();
        foreach (var text in new[] { "--id", "--all-dead", "--all-disabled", "--data-dir", "Example" }) Assert.Contains(text, help.Stdout);
        Assert.Contains("Example", (await LoyaltyHostProcess.RunCliAsync(null, "notifications", "list", "--help")).Succeeded().Stdout);
    }

    [Fact]
    public async Task Serve_refuses_a_bad_webhook_secret_naming_the_setting()
    {
        using var scratch = new CliScratch();

        var run = await LoyaltyHostProcess.RunCliAsync(new Dictionary<string, string>
        {
            ["Loyalty__Notifications__Webhooks__0__Url"] = "http://127.0.0.1:9/hook",
            ["Loyalty__Notifications__Webhooks__0__Secret"] = "not-a-secret",
        }, "serve", "--data-dir", scratch.Path("data"), "--http", "http://127.0.0.1:0");

        Assert.Contains("Loyalty:Notifications:Webhooks:0:Secret", run.FailedWithOneLine());
    }

    [Fact]
    public async Task Serve_delivers_a_redriven_dead_delivery_signed_to_the_configured_webhook_and_serves_the_stream()
    {
        var port = FreeLoopbackPort();
        var url = $"http://127.0.0.1:{port}/hook";
        using var listener = new HttpListener();
        listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        listener.Start();
        var key = RandomNumberGenerator.GetBytes(32);
        await using var host = await LoyaltyHostProcess.StartAsync(output, new Dictionary<string, string>
        {
            ["Loyalty__Notifications__Webhooks__0__Url"] = url,
            ["Loyalty__Notifications__Webhooks__0__Secret"] = "whsec_" + Convert.ToBase64String(key),
        });
        await host.StopAsync();
        Seed(host.DataDir, url);
        (await LoyaltyHostProcess.RunCliAsync(null, "notifications", "redrive", "--all-dead", "--data-dir", host.DataDir)).Succeeded();

        await host.StartAsync();
        var context = await listener.GetContextAsync().WaitAsync(TimeSpan.FromSeconds(60));
        using (var reader = new StreamReader(context.Request.InputStream, Encoding.UTF8))
        {
            var body = await reader.ReadToEndAsync();
            var id = context.Request.Headers["webhook-id"];
            var timestamp = context.Request.Headers["webhook-timestamp"];
            context.Response.StatusCode = 200;
            context.Response.Close();

            Assert.Equal("rw-a", id);
            using var hmac = new HMACSHA256(key);
            var expected = "v1," + Convert.ToBase64String(hmac.ComputeHash(Encoding.UTF8.GetBytes($"{id}.{timestamp}.{body}")));
            Assert.Equal(expected, context.Request.Headers["webhook-signature"]);
            Assert.InRange(long.Parse(timestamp!, CultureInfo.InvariantCulture), DateTimeOffset.UtcNow.AddMinutes(-5).ToUnixTimeSeconds(), DateTimeOffset.UtcNow.ToUnixTimeSeconds());
            using var doc = JsonDocument.Parse(body);
            Assert.Equal("C-rw-a", doc.RootElement.GetProperty("customer_id").GetString());
        }

        // The delivered notification is recorded; the disabled endpoint's rw-c was not sent (redrive was --all-dead only).
        JsonElement[] delivered = [];
        var watch = System.Diagnostics.Stopwatch.StartNew();
        while (watch.Elapsed < TimeSpan.FromSeconds(30))
        {
            delivered = JsonDocument.Parse(await host.Http.GetStringAsync("/v1/notifications?status=delivered")).RootElement.EnumerateArray().ToArray();
            if (delivered.Length == 2) break;
            await Task.Delay(50); // bounded poll for the outbox to record the 200
        }

        Assert.Equal(["rw-a", "rw-b"], delivered.Select(e => e.GetProperty("notification_id").GetString()).Order());
        var disabled = JsonDocument.Parse(await host.Http.GetStringAsync("/v1/notifications?status=disabled")).RootElement;
        Assert.Equal("rw-c", Assert.Single(disabled.EnumerateArray().ToArray()).GetProperty("notification_id").GetString());

        using var stream = await host.Http.GetAsync("/v1/notifications/stream", HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal("text/event-stream", stream.Content.Headers.ContentType?.MediaType);
        var first = new byte[64];
        var read = await (await stream.Content.ReadAsStreamAsync()).ReadAsync(first).AsTask().WaitAsync(TimeSpan.FromSeconds(30));
        Assert.StartsWith(": connected", Encoding.UTF8.GetString(first, 0, read));
    }

    private static int FreeLoopbackPort()
    {
        using var socket = new TcpListener(IPAddress.Loopback, 0);
        socket.Start();
        return ((IPEndPoint)socket.LocalEndpoint).Port;
    }
}
