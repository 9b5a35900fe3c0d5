using Prometheus;

namespace LoyaltyActors.Actors.Metrics;

/// <summary>
/// The engine's Prometheus metrics (served at <c>GET /metrics</c>), defined once so every part of the process
/// updates the same series. Process-wide statics: several actor systems in one process (tests) share them.
/// Ingress counters (<c>loyalty_events_total</c>, <c>loyalty_events_rejected_total</c>) live with the ingress.
/// </summary>
public static class LoyaltyMetrics
{
    /// <summary>Creates every series now, so that <c>/metrics</c> lists them (at 0) before anything happened.</summary>
    public static void Register() => System.Runtime.CompilerServices.RuntimeHelpers.RunClassConstructor(typeof(LoyaltyMetrics).TypeHandle);

    /// <summary>Seconds one merged journal write (one transaction, one fsync) took, from hand-off to commit.</summary>
    public static readonly Histogram JournalWriteSeconds = Prometheus.Metrics.CreateHistogram(
        "loyalty_journal_write_seconds", "Duration of one merged journal write (one transaction), hand-off to commit.",
        new HistogramConfiguration { Buckets = Histogram.ExponentialBuckets(0.0005, 2, 14) });

    /// <summary>Events (rows) in one merged journal write: how much group commit merged.</summary>
    public static readonly Histogram JournalBatchRows = Prometheus.Metrics.CreateHistogram(
        "loyalty_journal_batch_rows", "Events (rows) per merged journal write.",
        new HistogramConfiguration { Buckets = Histogram.ExponentialBuckets(1, 2, 14) });

    /// <summary>Merged journal writes that failed (every caller in them was told so; nothing was acknowledged).</summary>
    public static readonly Counter JournalWriteFailures = Prometheus.Metrics.CreateCounter(
        "loyalty_journal_write_failures_total", "Merged journal writes that failed.");

    /// <summary>Customer actors awake now in this process's region.</summary>
    public static readonly Gauge CustomersAlive = Prometheus.Metrics.CreateGauge(
        "loyalty_customer_actors_alive", "Customer actors awake in this process.");

    /// <summary>Customer actors woken (created) since the start.</summary>
    public static readonly Counter CustomerActivations = Prometheus.Metrics.CreateCounter(
        "loyalty_customer_activations_total", "Customer actors started (first message or after passivation).");

    /// <summary>Idle customer actors passivated since the start.</summary>
    public static readonly Counter CustomerPassivations = Prometheus.Metrics.CreateCounter(
        "loyalty_customer_passivations_total", "Idle customer actors passivated.");

    /// <summary>Reward notifications delivered (an SSE frame written or a webhook answered 2xx). Incremented by the notifier.</summary>
    public static readonly Counter NotificationsDelivered = Prometheus.Metrics.CreateCounter(
        "loyalty_notifications_delivered_total", "Reward notifications delivered (SSE frame written or webhook answered 2xx).");

    /// <summary>Reward notification delivery attempts that failed (webhook error or timeout). Incremented by the notifier.</summary>
    public static readonly Counter NotificationFailures = Prometheus.Metrics.CreateCounter(
        "loyalty_notification_failures_total", "Reward notification delivery attempts that failed.");
}
