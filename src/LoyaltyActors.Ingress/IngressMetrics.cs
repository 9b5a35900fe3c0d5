using LoyaltyActors.Domain.Customers;
using Prometheus;

namespace LoyaltyActors.Ingress;

/// <summary>
/// The ingress metrics of <c>/metrics</c>, all in one place and on prometheus-net's default registry (the one
/// <c>MapMetrics</c> serves). Label values are a closed set so the series count stays bounded.
/// </summary>
public static class IngressMetrics
{
    public const string Http = "http";
    public const string Tcp = "tcp";
    public const string Shopify = "shopify";
    public const string Replay = "replay";

    /// <summary>Rejection reasons (label <c>reason</c>).</summary>
    public static class Reasons
    {
        public const string InvalidJson = "invalid_json";
        public const string InvalidUtf8 = "invalid_utf8";
        public const string LineTooLong = "line_too_long";
        public const string Currency = "currency";
        public const string InvalidEvent = "invalid_event";
        public const string UnknownOrder = "unknown_order";
        public const string InsufficientPoints = "insufficient_points";
        public const string UnparsableBody = "unparsable_body";
        public const string TooLarge = "too_large";
        public const string UnsupportedMediaType = "unsupported_media_type";
        public const string BadSignature = "bad_signature";
        public const string Unauthenticated = "unauthenticated";
    }

    public static readonly Counter Events = Metrics.CreateCounter(
        "loyalty_events_total", "Events received, by source and outcome (accepted, duplicate, rejected).",
        new CounterConfiguration { LabelNames = ["source", "status"] });

    public static readonly Counter Rejections = Metrics.CreateCounter(
        "loyalty_events_rejected_total",
        "Rejections by source and reason: per event, or per request/connection for whole-body refusals (unparsable_body, too_large, unsupported_media_type, bad_signature, unauthenticated).",
        new CounterConfiguration { LabelNames = ["source", "reason"] });

    public static readonly Gauge TcpConnections = Metrics.CreateGauge(
        "loyalty_tcp_connections", "Open TCP ingress connections.");

    public static readonly Gauge TcpInFlight = Metrics.CreateGauge(
        "loyalty_tcp_inflight_events", "TCP lines read and not yet acknowledged, over all connections.");

    public static readonly Gauge TcpInFlightPeak = Metrics.CreateGauge(
        "loyalty_tcp_inflight_events_peak", "The highest loyalty_tcp_inflight_events since start; bounded by connections x Loyalty:Tcp:MaxBatchLines.");

    public static readonly Gauge TcpBlockedOnAcks = Metrics.CreateGauge(
        "loyalty_tcp_connections_waiting_for_ack_reader",
        "TCP connections whose acks the client is not reading: the server has stopped reading their input.");

    private static long _inFlight;
    private static long _inFlightPeak;

    /// <summary>Counts what became of each event of a batch.</summary>
    public static void Record(string source, IReadOnlyList<EventOutcome> outcomes)
    {
        int accepted = 0, duplicates = 0;
        foreach (var o in outcomes)
        {
            switch (o.Status)
            {
                case EventOutcome.Accepted: accepted++; break;
                case EventOutcome.Duplicate: duplicates++; break;
                default:
                    Events.WithLabels(source, EventOutcome.Rejected).Inc();
                    Rejections.WithLabels(source, ReasonOf(o)).Inc();
                    break;
            }
        }

        if (accepted > 0) Events.WithLabels(source, EventOutcome.Accepted).Inc(accepted);
        if (duplicates > 0) Events.WithLabels(source, EventOutcome.Duplicate).Inc(duplicates);
    }

    /// <summary>Counts a refusal of a whole request or line that is not an event outcome.</summary>
    public static void Refused(string source, string reason) => Rejections.WithLabels(source, reason).Inc();

    /// <summary>The reason label of a rejected outcome: a closed set, whatever the error text says.</summary>
    public static string ReasonOf(EventOutcome outcome)
    {
        switch (outcome.Kind)
        {
            case RejectionKind.UnknownOrder: return Reasons.UnknownOrder;
            case RejectionKind.InsufficientPoints: return Reasons.InsufficientPoints;
        }

        var error = outcome.Error ?? "";
        if (error.StartsWith("currency:", StringComparison.Ordinal)) return Reasons.Currency;
        if (error.Contains(EdgeErrors.NotJson, StringComparison.Ordinal)) return Reasons.InvalidJson;
        if (error.Contains(EdgeErrors.NotUtf8, StringComparison.Ordinal)) return Reasons.InvalidUtf8;
        if (error.Contains(EdgeErrors.TooLong, StringComparison.Ordinal)) return Reasons.LineTooLong;
        return Reasons.InvalidEvent;
    }

    internal static void AddInFlight(int delta)
    {
        var now = Interlocked.Add(ref _inFlight, delta);
        TcpInFlight.Set(now);
        long peak;
        while (now > (peak = Interlocked.Read(ref _inFlightPeak)))
        {
            if (Interlocked.CompareExchange(ref _inFlightPeak, now, peak) == peak)
            {
                TcpInFlightPeak.Set(now);
                break;
            }
        }
    }
}

/// <summary>Fixed phrases of the errors the edge itself produces (the metrics map them to reasons).</summary>
public static class EdgeErrors
{
    public const string NotJson = "is not valid JSON";
    public const string NotUtf8 = "is not valid UTF-8";
    public const string TooLong = "bytes long; at most";
}
