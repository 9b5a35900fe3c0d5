namespace LoyaltyActors.Notifications;

/// <summary>A webhook receiver: its URL (also its identity in the outbox) and the HMAC key of its secret.</summary>
public sealed class WebhookEndpoint
{
    public WebhookEndpoint(Uri url, byte[] key)
    {
        if (!url.IsAbsoluteUri || url.Scheme is not ("http" or "https")) throw new ArgumentException($"webhook URL must be absolute http(s), not '{url}'", nameof(url));
        Url = url;
        Key = key;
    }

    public Uri Url { get; }

    /// <summary>The outbox's name for this endpoint.</summary>
    public string Name => Url.AbsoluteUri;

    public byte[] Key { get; }

    /// <summary>
    /// Builds an endpoint from the configured strings; errors name the setting
    /// (<c>{settingPrefix}:Url</c>, <c>{settingPrefix}:Secret</c>).
    /// </summary>
    /// <exception cref="FormatException">the URL or the secret is invalid.</exception>
    public static WebhookEndpoint Parse(string? url, string? secret, string settingPrefix)
    {
        if (string.IsNullOrWhiteSpace(url) || !Uri.TryCreate(url.Trim(), UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            throw new FormatException($"{settingPrefix}:Url must be an absolute http:// or https:// URL, not '{url}'");
        return new WebhookEndpoint(uri, WebhookSignature.ParseSecret(secret, settingPrefix + ":Secret"));
    }
}

/// <summary>Settings of notification delivery (config section <c>Loyalty:Notifications</c>).</summary>
/// <param name="DatabasePath">the outbox file, <c>notifications.db</c> in the data dir.</param>
public sealed record NotificationOptions(string DatabasePath, IReadOnlyList<WebhookEndpoint> Webhooks)
{
    /// <summary>Delay before the second attempt; doubles per failure up to <see cref="MaxBackoff"/>, with jitter.</summary>
    public TimeSpan InitialBackoff { get; init; } = TimeSpan.FromSeconds(30);

    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromHours(1);

    /// <summary>Attempts before a delivery is dead-lettered.</summary>
    public int MaxAttempts { get; init; } = 8;

    /// <summary>One attempt's limit (connect, send, response headers); a timeout is a failed attempt.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>A receiver's <c>Retry-After</c> is honoured up to this long.</summary>
    public TimeSpan MaxRetryAfter { get; init; } = TimeSpan.FromDays(1);

    /// <summary>Attempts in flight at once, over all endpoints.</summary>
    public int MaxConcurrentDeliveries { get; init; } = 16;

    /// <summary>Frames buffered per SSE subscriber; a subscriber that falls this far behind is dropped.</summary>
    public int StreamBufferSize { get; init; } = 1024;

    /// <summary>Interval of the SSE comment heartbeat.</summary>
    public TimeSpan StreamHeartbeat { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>The longest the dispatcher sleeps without looking at the outbox (it is also woken on every enqueue).</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Throws <see cref="ArgumentException"/> naming the <c>Loyalty:Notifications</c> key that is out of range.</summary>
    public NotificationOptions Validated()
    {
        if (InitialBackoff <= TimeSpan.Zero) throw new ArgumentException("Loyalty:Notifications:InitialBackoffSeconds must be greater than 0");
        if (MaxBackoff < InitialBackoff) throw new ArgumentException("Loyalty:Notifications:MaxBackoffSeconds must be at least InitialBackoffSeconds");
        if (MaxAttempts < 1) throw new ArgumentException("Loyalty:Notifications:MaxAttempts must be at least 1");
        if (Timeout <= TimeSpan.Zero) throw new ArgumentException("Loyalty:Notifications:TimeoutSeconds must be greater than 0");
        if (MaxConcurrentDeliveries < 1) throw new ArgumentException("Loyalty:Notifications:MaxConcurrentDeliveries must be at least 1");
        if (StreamBufferSize < 1) throw new ArgumentException("Loyalty:Notifications:StreamBufferSize must be at least 1");
        if (StreamHeartbeat <= TimeSpan.Zero) throw new ArgumentException("Loyalty:Notifications:StreamHeartbeatSeconds must be greater than 0");
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < Webhooks.Count; i++)
        {
            if (!names.Add(Webhooks[i].Name)) throw new ArgumentException($"Loyalty:Notifications:Webhooks:{i}:Url repeats the URL '{Webhooks[i].Name}' of an earlier webhook");
        }

        return this;
    }
}
