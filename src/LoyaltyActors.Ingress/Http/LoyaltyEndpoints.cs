using System.Text.Json;
using System.Text.Json.Nodes;
using Akka.Actor;
using Akka.Hosting;
using LoyaltyActors.Actors.Customers;
using LoyaltyActors.Actors.Hosting;
using LoyaltyActors.Actors.Projections;
using LoyaltyActors.Domain.Customers;
using LoyaltyActors.Domain.Wire;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using NodaTime;
using NodaTime.Text;

namespace LoyaltyActors.Ingress.Http;

/// <summary>The HTTP API of CONTRACT.md. Errors are <c>application/problem+json</c> naming the field.</summary>
public static class LoyaltyEndpoints
{
    public static IEndpointRouteBuilder MapLoyaltyEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapPost("/v1/events", PostEvents);
        app.MapGet("/v1/customers/{id}", GetCustomer);
        app.MapDelete("/v1/customers/{id}", EraseCustomer);
        app.MapGet("/v1/customers/{id}/summary", GetSummary);
        app.MapPost("/v1/customers/{id}/redeem", Redeem);
        app.MapGet("/health", Health);
        app.MapModelEndpoints();
        app.MapExplainEndpoints();
        return app;
    }

    private static async Task<IResult> PostEvents(HttpContext http, IngressOptions options, EventIngestor ingestor)
    {
        if (EventBodyReader.KindOf(http.Request.ContentType) is not { } kind)
        {
            IngressMetrics.Refused(IngressMetrics.Http, IngressMetrics.Reasons.UnsupportedMediaType);
            return Problem(415, "Unsupported media type",
                $"Content-Type '{http.Request.ContentType}' is not accepted; send application/json (one event or an array) or application/x-ndjson (one event per line)",
                "Content-Type");
        }

        ParsedBody parsed;
        // A batch body is read into a pooled buffer (a 500-event batch is ~125 KB: a new array each time would go to the
        // large object heap) and the buffer goes back once parsed: the parsed events hold copies, never the bytes.
        using (var body = await ReadPooledBodyAsync(http.Request, options.MaxBodyBytes))
        {
            if (body is null)
            {
                IngressMetrics.Refused(IngressMetrics.Http, IngressMetrics.Reasons.TooLarge);
                return TooLarge($"the body exceeds {options.MaxBodyBytes} bytes (Loyalty:Ingress:MaxBodyBytes)");
            }

            parsed = EventBodyReader.Read(body.Bytes, kind == BodyKind.Ndjson, options.Wire, options.MaxEventsPerRequest);
        }

        if (parsed.TooLarge)
        {
            IngressMetrics.Refused(IngressMetrics.Http, IngressMetrics.Reasons.TooLarge);
            return TooLarge(parsed.Unparsable! + " (Loyalty:Ingress:MaxEventsPerRequest)");
        }

        if (parsed.Unparsable is not null)
        {
            IngressMetrics.Refused(IngressMetrics.Http, IngressMetrics.Reasons.UnparsableBody);
            return Problem(400, "Unreadable body", parsed.Unparsable);
        }

        EventOutcome[] outcomes;
        try
        {
            outcomes = await ingestor.IngestAsync(parsed.Events, http.RequestAborted);
        }
        catch (StorageUnavailableException ex)
        {
            return Unavailable(ex.Message);
        }

        IngressMetrics.Record(IngressMetrics.Http, outcomes);

        int accepted = 0, duplicates = 0, rejected = 0;
        foreach (var o in outcomes)
        {
            switch (o.Status)
            {
                case EventOutcome.Accepted: accepted++; break;
                case EventOutcome.Duplicate: duplicates++; break;
                default: rejected++; break;
            }
        }

        var reply = new IngestReply(accepted, duplicates, rejected,
            outcomes.Select(o => new IngestResult(o.EventId, o.Status, o.Error)).ToArray());
        if (parsed.Shape == BodyShape.SingleObject && rejected == 1)
        {
            var o = outcomes[0];
            return Results.Json(new
            {
                type = "about:blank",
                title = "Invalid event",
                status = 422,
                detail = o.Error,
                field = FieldOf(o.Error),
                accepted, duplicates, rejected,
                results = reply.Results,
            }, LoyaltyJson.Options, "application/problem+json", 422);
        }

        var status = rejected == 0 ? 200 : accepted + duplicates == 0 ? 422 : 207;
        return Results.Json(reply, LoyaltyJson.Options, statusCode: status);
    }

    /// <summary>
    /// Erases a customer (admin): its events and snapshots leave the journal, and the aggregates drop the customer when
    /// they read the tombstone left in its place.
    /// </summary>
    private static async Task<IResult> EraseCustomer(string id, IRequiredActor<CustomerRegion> customers, IngressOptions options,
        IEnumerable<ICustomerErasure> stores)
    {
        object? reply;
        try
        {
            reply = await customers.ActorRef.Ask<object>(new EraseCustomerData(id), options.WriteTimeout);
        }
        catch (AskTimeoutException)
        {
            return Unavailable("the journal did not confirm the erasure in time; retry (erasing again is safe)");
        }

        return reply switch
        {
            EraseCustomerResult { Known: false } => Problem(404, "Unknown customer", $"no events are recorded for customer '{id}'"),
            EraseCustomerResult r => Results.Json(new
            {
                customer_id = id, erased = true, events_deleted = r.EventsDeleted,
                other_records_deleted = stores.Sum(s => s.EraseCustomer(id)),
            }, LoyaltyJson.Options),
            _ => Unavailable("the journal did not accept the erasure; retry (erasing again is safe)"),
        };
    }

    private static async Task<IResult> GetCustomer(string id, string? as_of, IRequiredActor<CustomerRegion> customers,
        ActorRegistry registry, IngressOptions options, HttpContext http)
    {
        Instant? asOf = null;
        if (as_of is not null)
        {
            asOf = WireFormat.ParseAsOf(as_of);
            if (asOf is null) return Problem(400, "Invalid query parameter", $"as_of: '{as_of}' is not an ISO-8601 instant (2026-11-20T10:15:00Z) or date (2026-11-20)", "as_of");
        }

        var result = await AskOrNull<ProfileResult>(customers.ActorRef, new GetProfile(id, asOf), options.WriteTimeout);
        if (result is null) return Unavailable("the customer did not answer in time");
        if (result.Profile is null) return Problem(404, "Unknown customer", $"no events are recorded for customer '{id}'");
        var profile = result.Profile;
        if (asOf is null && registry.TryGet<SegmentsAggregator>(out var segments))
        {
            // The segment is the aggregator's current view; an as-of profile has no historical segment.
            var segment = await AskOrNull<CustomerSegmentResult>(segments, new GetCustomerSegment(id), TimeSpan.FromSeconds(2));
            profile = profile with { Segment = segment?.Segment };
        }

        if (http.RequestServices.GetService(typeof(ClvProfiles)) is ClvProfiles clv)
            profile = await clv.AddToAsync(profile, customers.ActorRef, options.WriteTimeout, http.RequestAborted);

        return Results.Json(profile, LoyaltyJson.Options);
    }

    private static async Task<IResult> GetSummary(string id, string? as_of, string? freq, string? freq_multiplier,
        IRequiredActor<CustomerRegion> customers, IngressOptions options, IClock clock)
    {
        LocalDate asOf;
        if (as_of is null) asOf = clock.GetCurrentInstant().InUtc().Date;
        else if (LocalDatePattern.Iso.Parse(as_of) is { Success: true } d) asOf = d.Value;
        else return Problem(400, "Invalid query parameter", $"as_of: '{as_of}' is not an ISO-8601 date such as 1997-09-30", "as_of");

        SummaryFrequency frequency;
        try
        {
            frequency = LifetimesSummaries.ParseFrequency(freq ?? "D");
        }
        catch (ArgumentException)
        {
            return Problem(400, "Invalid query parameter", $"freq: must be D or W, not '{freq}'", "freq");
        }

        var multiplier = 1.0;
        if (freq_multiplier is not null
            && (!double.TryParse(freq_multiplier, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out multiplier)
                || !double.IsFinite(multiplier) || multiplier <= 0))
            return Problem(400, "Invalid query parameter", $"freq_multiplier: must be a positive number, not '{freq_multiplier}'", "freq_multiplier");

        var result = await AskOrNull<SummaryResult>(customers.ActorRef, new GetSummary(id, asOf, frequency, multiplier), options.WriteTimeout);
        if (result is null) return Unavailable("the customer did not answer in time");
        if (!result.Known) return Problem(404, "Unknown customer", $"no events are recorded for customer '{id}'");
        var s = result.Summary ?? default;
        return Results.Json(new JsonObject
        {
            ["customer_id"] = id,
            ["as_of"] = LocalDatePattern.Iso.Format(asOf),
            ["freq"] = frequency == SummaryFrequency.Week ? "W" : "D",
            ["freq_multiplier"] = multiplier,
            ["frequency"] = s.Frequency,
            ["recency"] = s.Recency,
            ["T"] = s.T,
            ["monetary_value"] = s.MonetaryValue,
            ["has_purchases"] = result.Summary is not null,
        });
    }

    private static async Task<IResult> Redeem(string id, HttpContext http, IngressOptions options, EventIngestor ingestor, IClock clock)
    {
        var body = await ReadBodyAsync(http.Request, 64 * 1024);
        if (body is null) return TooLarge("the body exceeds 65536 bytes");
        JsonObject? obj;
        try
        {
            obj = JsonNode.Parse(body.Value.Span) as JsonObject;
        }
        catch (JsonException ex)
        {
            return Problem(400, "Unreadable body", "the body is not valid JSON: " + ex.Message);
        }

        if (obj is null) return Problem(400, "Unreadable body", "the body must be an object {event_id, points, reward}");
        obj["type"] = WireFormat.Redeem;
        obj["customer_id"] = id;
        if (!obj.ContainsKey("occurred_at")) obj["occurred_at"] = InstantPattern.ExtendedIso.Format(clock.GetCurrentInstant());
        using var doc = JsonDocument.Parse(obj.ToJsonString());
        var wire = WireFormat.Read(doc.RootElement, options.Wire);

        EventOutcome outcome;
        try
        {
            outcome = (await ingestor.IngestAsync([wire], http.RequestAborted))[0];
        }
        catch (StorageUnavailableException ex)
        {
            return Unavailable(ex.Message);
        }

        var result = new IngestResult(outcome.EventId, outcome.Status, outcome.Error);
        if (outcome.Kind == RejectionKind.InsufficientPoints)
            return Problem(409, "Balance too low", outcome.Error!, "points");
        if (outcome.Status == EventOutcome.Rejected)
            return Problem(422, "Invalid redemption", outcome.Error!, FieldOf(outcome.Error));
        return Results.Json(result, LoyaltyJson.Options);
    }

    private static async Task<IResult> Health(IRequiredActor<CustomerRegion> customers)
    {
        var live = await AskOrNull<object>(customers.ActorRef, LocalCustomerRegion.GetLiveCount.Instance, TimeSpan.FromSeconds(2));
        return live is int count
            ? Results.Json(new { status = "ready", customers_awake = count })
            : Results.Json(new { status = "unavailable" }, statusCode: 503);
    }

    private static async Task<T?> AskOrNull<T>(IActorRef actor, object message, TimeSpan timeout) where T : class
    {
        try
        {
            return await actor.Ask<T>(message, timeout);
        }
        catch (AskTimeoutException)
        {
            return null;
        }
    }

    /// <summary>The body, or null when it is larger than <paramref name="limit"/> bytes.</summary>
    internal static async Task<ReadOnlyMemory<byte>?> ReadBodyAsync(HttpRequest request, int limit)
    {
        if (request.ContentLength > limit) return null;
        using var buffer = new MemoryStream(request.ContentLength is { } n ? (int)n : 4096);
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, request.HttpContext.RequestAborted)) > 0)
        {
            if (buffer.Length + read > limit) return null;
            buffer.Write(chunk, 0, read);
        }

        return new ReadOnlyMemory<byte>(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    /// <summary>Like <see cref="ReadBodyAsync"/>, into an array rented from the shared pool; null when over <paramref name="limit"/>.</summary>
    internal static async Task<PooledBody?> ReadPooledBodyAsync(HttpRequest request, int limit)
    {
        if (request.ContentLength > limit) return null;
        var body = new PooledBody(request.ContentLength is { } n ? (int)Math.Max(n, 1) : 16 * 1024);
        try
        {
            while (true)
            {
                if (body.Length == body.Capacity) body.Grow();
                var read = await request.Body.ReadAsync(body.Free, request.HttpContext.RequestAborted);
                if (read == 0) return body;
                if (body.Length + read > limit)
                {
                    body.Dispose();
                    return null;
                }

                body.Advance(read);
            }
        }
        catch
        {
            body.Dispose();
            throw;
        }
    }

    /// <summary>A request body in an array rented from <see cref="System.Buffers.ArrayPool{T}.Shared"/>; dispose to return it.</summary>
    internal sealed class PooledBody(int capacity) : IDisposable
    {
        private byte[]? _array = System.Buffers.ArrayPool<byte>.Shared.Rent(capacity);

        public int Length { get; private set; }

        public int Capacity => _array!.Length;

        public ReadOnlyMemory<byte> Bytes => _array.AsMemory(0, Length);

        public Memory<byte> Free => _array.AsMemory(Length);

        public void Advance(int count) => Length += count;

        public void Grow()
        {
            var bigger = System.Buffers.ArrayPool<byte>.Shared.Rent(_array!.Length * 2);
            _array.AsSpan(0, Length).CopyTo(bigger);
            System.Buffers.ArrayPool<byte>.Shared.Return(_array);
            _array = bigger;
        }

        public void Dispose()
        {
            if (_array is null) return;
            System.Buffers.ArrayPool<byte>.Shared.Return(_array);
            _array = null;
        }
    }

    private static string? FieldOf(string? error)
    {
        if (error is null) return null;
        var colon = error.IndexOf(':');
        return colon > 0 && !error[..colon].Contains(' ') ? error[..colon] : null;
    }

    internal static IResult Problem(int status, string title, string detail, string? field = null) =>
        Results.Problem(detail, statusCode: status, title: title,
            extensions: field is null ? null : new Dictionary<string, object?> { ["field"] = field });

    internal static IResult TooLarge(string detail) => Problem(413, "Payload too large", detail);

    internal static IResult Unavailable(string detail) => new RetryAfterResult(Problem(503, "Storage unavailable", detail), 2);

    private sealed record IngestResult(string? EventId, string Status, string? Error);

    private sealed record IngestReply(int Accepted, int Duplicates, int Rejected, IngestResult[] Results);

    private sealed class RetryAfterResult(IResult inner, int seconds) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            return inner.ExecuteAsync(httpContext);
        }
    }
}

/// <summary>A store outside the journal holding customer data (e.g. the notification outbox), forgotten on erasure.</summary>
public interface ICustomerErasure
{
    /// <summary>Deletes what is kept about <paramref name="customerId"/>; returns how many records went.</summary>
    int EraseCustomer(string customerId);
}
