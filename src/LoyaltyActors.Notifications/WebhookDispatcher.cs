using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using NodaTime;

namespace LoyaltyActors.Notifications;

/// <summary>
/// Delivers the outbox's pending webhook deliveries, at least once. Each attempt POSTs the stored body with the
/// Standard Webhooks headers (<c>webhook-id</c> = the notification id on every attempt, <c>webhook-timestamp</c>
/// of this attempt, <c>webhook-signature</c>). 2xx: delivered. 410 Gone: the endpoint is disabled with all its
/// pending deliveries. Anything else, a timeout or a network error: retried after <c>Retry-After</c> when the
/// receiver sent one, else after an exponential backoff with jitter; dead after <c>MaxAttempts</c>.
/// Every decision is written to the outbox before the next attempt, so a restart resumes the schedule.
/// </summary>
public sealed class WebhookDispatcher : BackgroundService
{
    private readonly NotificationOutbox _outbox;
    private readonly NotificationOptions _options;
    private readonly IClock _clock;
    private readonly ILogger _logger;
    private readonly HttpClient _http;
    private readonly Dictionary<string, WebhookEndpoint> _endpoints;
    private readonly SemaphoreSlim _wake = new(0, 1);

    public WebhookDispatcher(NotificationOutbox outbox, NotificationOptions options, IClock clock, ILogger<WebhookDispatcher>? logger = null)
    {
        _outbox = outbox;
        _options = options.Validated();
        _clock = clock;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _endpoints = options.Webhooks.ToDictionary(w => w.Name, StringComparer.Ordinal);
        _http = new HttpClient(new SocketsHttpHandler
        {
            // A redirect is the receiver's misconfiguration: it counts as a failed attempt instead of re-posting elsewhere.
            AllowAutoRedirect = false,
            ConnectTimeout = options.Timeout,
            PooledConnectionLifetime = TimeSpan.FromMinutes(2),
        })
        {
            Timeout = Timeout.InfiniteTimeSpan, // each attempt has its own limit (Loyalty:Notifications:TimeoutSeconds)
        };
        _http.DefaultRequestHeaders.UserAgent.ParseAdd("LoyaltyActors-Webhooks/1");
    }

    /// <summary>Looks at the outbox now rather than at the next poll (called after every enqueue).</summary>
    public void Wake()
    {
        try
        {
            if (_wake.CurrentCount == 0) _wake.Release();
        }
        catch (SemaphoreFullException)
        {
            // already awake
        }
        catch (ObjectDisposedException)
        {
            // stopped: the outbox is read again at the next start
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (_endpoints.Count == 0) return;
        var names = _endpoints.Keys.ToArray();
        var inFlight = new Dictionary<string, Task>(StringComparer.Ordinal);
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                foreach (var done in inFlight.Where(kv => kv.Value.IsCompleted).Select(kv => kv.Key).ToList()) inFlight.Remove(done);

                var wait = _options.PollInterval;
                try
                {
                    var busy = inFlight.Keys.ToHashSet(StringComparer.Ordinal);
                    var due = _outbox.Due(_clock.GetCurrentInstant(), _options.MaxConcurrentDeliveries - inFlight.Count, names, busy);
                    foreach (var delivery in due)
                    {
                        inFlight[delivery.DeliveryId] = AttemptThenWakeAsync(delivery, stoppingToken);
                        busy.Add(delivery.DeliveryId);
                    }

                    if (inFlight.Count < _options.MaxConcurrentDeliveries && _outbox.NextDue(names, busy) is { } next)
                    {
                        var untilDue = (next - _clock.GetCurrentInstant()).ToTimeSpan();
                        if (untilDue < wait) wait = untilDue < TimeSpan.Zero ? TimeSpan.Zero : untilDue;
                    }
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // A failing outbox read must not stop the host (a BackgroundService's exception would): log, retry at the next poll.
                    _logger.LogError(ex, "webhook dispatcher: reading the outbox failed; retrying in {Seconds} s", wait.TotalSeconds);
                }

                await _wake.WaitAsync(wait, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            // Attempts cut short by the shutdown are not recorded: they stay pending and are sent after the restart.
            await Task.WhenAll(inFlight.Values);
        }
    }

    public override void Dispose()
    {
        base.Dispose();
        _http.Dispose();
        _wake.Dispose();
    }

    private async Task AttemptThenWakeAsync(DueDelivery delivery, CancellationToken stoppingToken)
    {
        await Task.Yield();
        try
        {
            await AttemptAsync(delivery, stoppingToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The outbox could not record the outcome: the delivery stays pending and is attempted again.
            _logger.LogError(ex, "webhook delivery {Notification} to {Endpoint}: could not record the attempt", delivery.NotificationId, delivery.Endpoint);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }

        if (!stoppingToken.IsCancellationRequested) Wake();
    }

    private async Task AttemptAsync(DueDelivery delivery, CancellationToken stoppingToken)
    {
        var endpoint = _endpoints[delivery.Endpoint];
        var timestamp = _clock.GetCurrentInstant().ToUnixTimeSeconds();
        using var request = new HttpRequestMessage(HttpMethod.Post, endpoint.Url)
        {
            Content = new ByteArrayContent(delivery.Body),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        request.Headers.TryAddWithoutValidation("webhook-id", delivery.NotificationId);
        request.Headers.TryAddWithoutValidation("webhook-timestamp", timestamp.ToString(CultureInfo.InvariantCulture));
        request.Headers.TryAddWithoutValidation("webhook-signature", WebhookSignature.Sign(endpoint.Key, delivery.NotificationId, timestamp, delivery.Body));

        using var attempt = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        attempt.CancelAfter(_options.Timeout);
        HttpStatusCode status;
        TimeSpan? retryAfter;
        try
        {
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, attempt.Token);
            status = response.StatusCode;
            retryAfter = RetryAfter(response.Headers.RetryAfter);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            throw;
        }
        catch (OperationCanceledException)
        {
            Failed(delivery, $"timeout: no response within {_options.Timeout.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s", null);
            return;
        }
        catch (HttpRequestException ex)
        {
            Failed(delivery, "request failed: " + ex.Message, null);
            return;
        }

        var now = _clock.GetCurrentInstant();
        if ((int)status is >= 200 and < 300)
        {
            _outbox.RecordDelivered(delivery.DeliveryId, now);
        }
        else if (status == HttpStatusCode.Gone)
        {
            var stopped = _outbox.DisableEndpoint(delivery.Endpoint, delivery.DeliveryId, now, "410 Gone: endpoint disabled");
            _logger.LogWarning("webhook endpoint {Endpoint} answered 410 Gone: disabled, {Count} pending deliveries stopped (`loyalty notifications redrive` re-enables it)",
                delivery.Endpoint, stopped);
        }
        else
        {
            Failed(delivery, $"HTTP {(int)status}", retryAfter);
        }
    }

    private void Failed(DueDelivery delivery, string error, TimeSpan? retryAfter)
    {
        var now = _clock.GetCurrentInstant();
        var attempts = delivery.Attempts + 1;
        if (attempts >= _options.MaxAttempts)
        {
            if (_outbox.RecordFailure(delivery.DeliveryId, now, error, null))
                _logger.LogWarning("webhook delivery {Notification} to {Endpoint} is dead after {Attempts} attempts ({Error})",
                    delivery.NotificationId, delivery.Endpoint, attempts, error);
            return;
        }

        var delay = retryAfter ?? Backoff(attempts, _options.InitialBackoff, _options.MaxBackoff, Random.Shared.NextDouble());
        _outbox.RecordFailure(delivery.DeliveryId, now, error, now + Duration.FromTimeSpan(delay));
    }

    /// <summary>
    /// The wait after the <paramref name="failedAttempts"/>-th failure: <c>initial · 2^(n−1)</c> capped at
    /// <paramref name="max"/>, then jittered into [half, full] by <paramref name="unitRandom"/> in [0, 1).
    /// </summary>
    public static TimeSpan Backoff(int failedAttempts, TimeSpan initial, TimeSpan max, double unitRandom)
    {
        var exponent = Math.Min(Math.Max(failedAttempts - 1, 0), 40);
        var full = Math.Min(initial.TotalMilliseconds * Math.Pow(2, exponent), max.TotalMilliseconds);
        return TimeSpan.FromMilliseconds(full / 2 + full / 2 * unitRandom);
    }

    private TimeSpan? RetryAfter(RetryConditionHeaderValue? header)
    {
        TimeSpan? wait = header switch
        {
            { Delta: { } delta } => delta,
            { Date: { } date } => date - _clock.GetCurrentInstant().ToDateTimeOffset(),
            _ => null,
        };
        if (wait is not { } w) return null;
        if (w < TimeSpan.Zero) return TimeSpan.Zero;
        return w > _options.MaxRetryAfter ? _options.MaxRetryAfter : w;
    }
}
