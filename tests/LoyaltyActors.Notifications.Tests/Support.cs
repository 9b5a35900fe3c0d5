using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using NodaTime;
using Xunit;

namespace LoyaltyActors.Notifications.Tests;

/// <summary>A temporary data dir, deleted on dispose.</summary>
public sealed class Scratch : IDisposable
{
    public string Dir { get; } = Path.Combine(Path.GetTempPath(), "loyalty-notifications-tests", Guid.NewGuid().ToString("N"));

    public Scratch() => Directory.CreateDirectory(Dir);

    public string OutboxPath => Path.Combine(Dir, "notifications.db");

    public void Dispose()
    {
        try
        {
            Directory.Delete(Dir, recursive: true);
        }
        catch (IOException)
        {
            // best effort
        }
    }
}

public static class Await
{
    /// <summary>Polls <paramref name="condition"/> until it holds; fails with <paramref name="because"/> after <paramref name="timeout"/>.</summary>
    public static async Task UntilAsync(Func<bool> condition, string because, TimeSpan? timeout = null)
    {
        var limit = timeout ?? TimeSpan.FromSeconds(20);
        var watch = Stopwatch.StartNew();
        while (!condition())
        {
            if (watch.Elapsed > limit) Assert.Fail($"not within {limit.TotalSeconds} s: {because}");
            await Task.Delay(10); // condition poll, bounded by the limit above
        }
    }
}

public static class Notifications
{
    public static Notification Reward(string id, string customer = "C-1", string reward = "voucher-10") =>
        new(id, "reward.issued", customer, Instant.FromUtc(2026, 11, 20, 10, 15),
            new JsonObject { ["reward"] = reward, ["rule"] = "balance-1000", ["points_balance"] = 1003 });

    /// <summary>A fresh 32-byte key and its <c>whsec_</c> secret.</summary>
    public static (byte[] Key, string Secret) NewSecret()
    {
        var key = System.Security.Cryptography.RandomNumberGenerator.GetBytes(32);
        return (key, "whsec_" + Convert.ToBase64String(key));
    }
}

/// <summary>
/// The notification side as the server runs it: a Kestrel app on a loopback port with
/// <see cref="NotificationsHosting.AddLoyaltyNotifications"/> and <see cref="NotificationsHosting.MapNotificationEndpoints"/>,
/// its outbox in <c>dataDir/notifications.db</c>. Disposing it stops the dispatcher and closes the outbox,
/// like a server stop; a new one on the same dir is the restart.
/// </summary>
public sealed class NotificationHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private NotificationHost(WebApplication app)
    {
        _app = app;
        Address = new Uri(app.Urls.Single());
        Http = new HttpClient { BaseAddress = Address, Timeout = TimeSpan.FromSeconds(30) };
    }

    public Uri Address { get; }
    public HttpClient Http { get; }
    public INotificationSink Sink => _app.Services.GetRequiredService<INotificationSink>();
    public NotificationOutbox Outbox => _app.Services.GetRequiredService<NotificationOutbox>();
    public WebhookDispatcher Dispatcher => _app.Services.GetRequiredService<WebhookDispatcher>();
    public NotificationStream Stream => _app.Services.GetRequiredService<NotificationStream>();

    public static async Task<NotificationHost> StartAsync(string dataDir, IReadOnlyList<WebhookEndpoint> webhooks, IClock clock,
        Func<NotificationOptions, NotificationOptions>? tune = null)
    {
        var options = new NotificationOptions(Path.Combine(dataDir, "notifications.db"), webhooks);
        if (tune is not null) options = tune(options);
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(clock);
        builder.Services.AddLoyaltyNotifications(options);
        var app = builder.Build();
        app.MapNotificationEndpoints();
        await app.StartAsync();
        return new NotificationHost(app);
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

/// <summary>One request the receiver got, with the arrival order.</summary>
public sealed record ReceivedWebhook(int Index, string? Id, string? Timestamp, string? Signature, string? ContentType, byte[] Body, int AnsweredStatus);

/// <summary>
/// A real webhook receiver on a loopback port: every POST to <c>/hook</c> is recorded and answered by the next
/// scripted response (200 once the script is used up).
/// </summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<Func<HttpContext, Task<int>>> _script = new();
    private readonly List<ReceivedWebhook> _received = [];
    private readonly Channel<ReceivedWebhook> _arrivals = Channel.CreateUnbounded<ReceivedWebhook>();

    private WebhookReceiver(WebApplication app) => _app = app;

    public string Url => _app.Urls.Single() + "/hook";

    public IReadOnlyList<ReceivedWebhook> Received
    {
        get
        {
            lock (_received) return _received.ToList();
        }
    }

    public static async Task<WebhookReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var receiver = new WebhookReceiver(app);
        app.MapPost("/hook", receiver.HandleAsync);
        await app.StartAsync();
        return receiver;
    }

    /// <summary>Answers the next request with <paramref name="status"/> (and a Retry-After header when given).</summary>
    public WebhookReceiver ThenAnswer(int status, string? retryAfter = null)
    {
        _script.Enqueue(ctx =>
        {
            if (retryAfter is not null) ctx.Response.Headers.RetryAfter = retryAfter;
            return Task.FromResult(status);
        });
        return this;
    }

    /// <summary>Never answers the next request (until the sender gives up and closes the connection).</summary>
    public WebhookReceiver ThenHang()
    {
        _script.Enqueue(async ctx =>
        {
            try
            {
                await Task.Delay(Timeout.Infinite, ctx.RequestAborted);
            }
            catch (OperationCanceledException)
            {
            }

            return 0;
        });
        return this;
    }

    /// <summary>The next request, in arrival order; fails after <paramref name="timeout"/>.</summary>
    public async Task<ReceivedWebhook> NextAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(20));
        try
        {
            return await _arrivals.Reader.ReadAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            Assert.Fail($"no webhook request arrived within {(timeout ?? TimeSpan.FromSeconds(20)).TotalSeconds} s; {Received.Count} so far");
            throw;
        }
    }

    private async Task HandleAsync(HttpContext ctx)
    {
        using var body = new MemoryStream();
        await ctx.Request.Body.CopyToAsync(body);
        var action = _script.TryDequeue(out var next) ? next : _ => Task.FromResult(200);
        ReceivedWebhook received;
        lock (_received)
        {
            received = new ReceivedWebhook(_received.Count, ctx.Request.Headers["webhook-id"], ctx.Request.Headers["webhook-timestamp"],
                ctx.Request.Headers["webhook-signature"], ctx.Request.ContentType, body.ToArray(), 0);
            _received.Add(received);
        }

        var status = await action(ctx);
        lock (_received) _received[received.Index] = received with { AnsweredStatus = status };
        _arrivals.Writer.TryWrite(received with { AnsweredStatus = status });
        if (status != 0) ctx.Response.StatusCode = status;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
