using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Xunit;
using Xunit.Abstractions;
using static LoyaltyActors.Host.Tests.WireEvents;

namespace LoyaltyActors.Host.Tests;

/// <summary>One host, shared by the tests of <see cref="IngestValidationTests"/>, with small ingress limits.</summary>
public sealed class SmallLimitsHost : IAsyncLifetime
{
    public const int MaxBodyBytes = 4096;
    public const int MaxEventsPerRequest = 20;

    public LoyaltyHostProcess Host { get; private set; } = null!;

    public async Task InitializeAsync() =>
        Host = await LoyaltyHostProcess.StartAsync(environment: new Dictionary<string, string>
        {
            ["Loyalty__Ingress__MaxBodyBytes"] = MaxBodyBytes.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Loyalty__Ingress__MaxEventsPerRequest"] = MaxEventsPerRequest.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });

    public async Task DisposeAsync()
    {
        if (Host is not null) await Host.DisposeAsync();
    }
}

/// <summary>What <c>POST /v1/events</c> answers to bodies that are wrong in part or as a whole.</summary>
public sealed class IngestValidationTests(SmallLimitsHost fixture) : IClassFixture<SmallLimitsHost>
{
    private LoyaltyHostProcess Host => fixture.Host;

    private static SentLine Line(int qty = 1) => new("sku-1", "cat", qty, 2.50m);

    [Fact]
    public async Task Single_invalid_event_answers_422_problem_naming_the_field()
    {
        var evt = Purchase("v1-bad-qty", "v1-cust", "2025-01-01T00:00:00Z", "v1-o", Line(qty: 0));

        using var response = await Host.Http.PostAsync("v1/events", Json(evt));
        var body = await LoyaltyApi.ReadJsonAsync(Host, response);

        Host.AssertStatus(HttpStatusCode.UnprocessableEntity, response.StatusCode, body);
        Assert.Equal("application/problem+json", response.MediaType()?.MediaType);
        Assert.Equal("lines[0].qty", body.GetProperty("field").GetString());
        Assert.Equal(422, body.GetProperty("status").GetInt32());
        Assert.Equal(HttpStatusCode.NotFound, await Host.GetProfileStatusAsync("v1-cust"));
    }

    [Fact]
    public async Task Batch_of_only_invalid_events_answers_422_with_a_result_per_event()
    {
        var answer = await Host.PostBatchAsync(
        [
            Purchase("v2-a", "v2-cust", "2025-01-01T00:00:00Z", "v2-o", Line(qty: -1)),
            View("v2-b", "v2-cust", "not a time", "sku", 1),
        ]);

        Host.AssertStatus(HttpStatusCode.UnprocessableEntity, answer.Status, answer.Body);
        Assert.Equal((0, 0, 2), (answer.Accepted, answer.Duplicates, answer.Rejected));
        Assert.Equal(["lines[0].qty", "occurred_at"], answer.Results.Select(r => FieldOf(r.Error)));
        Assert.Equal(HttpStatusCode.NotFound, await Host.GetProfileStatusAsync("v2-cust"));
    }

    [Theory]
    [InlineData("{\"event_id\":\"x\",")]
    [InlineData("[{\"event_id\":\"x\"}")]
    [InlineData("not json at all")]
    [InlineData("42")]
    [InlineData("")]
    public async Task Unparsable_body_answers_400_problem(string body)
    {
        using var response = await Host.Http.PostAsync("v1/events", new StringContent(body, Encoding.UTF8, "application/json"));
        var json = await LoyaltyApi.ReadJsonAsync(Host, response);

        Host.AssertStatus(HttpStatusCode.BadRequest, response.StatusCode, json);
        Assert.Equal("application/problem+json", response.MediaType()?.MediaType);
        Assert.False(string.IsNullOrWhiteSpace(json.GetProperty("detail").GetString()));
    }

    [Fact]
    public async Task Body_that_is_not_utf8_answers_400()
    {
        var bytes = Encoding.UTF8.GetBytes(View("v3", "v3-cust", "2025-01-01T00:00:00Z", "sku", 1).ToJsonString());
        bytes[20] = 0xFF;
        var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new("application/json");

        using var response = await Host.Http.PostAsync("v1/events", content);

        Host.AssertStatus(HttpStatusCode.BadRequest, response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Ndjson_body_with_an_unreadable_line_and_an_invalid_line_accepts_the_other_lines()
    {
        var content = Ndjson(
        [
            Purchase("v4-a", "v4-cust", "2025-01-01T00:00:00Z", "v4-o", Line(qty: 2)).ToJsonString(),
            "{\"event_id\": \"v4-b\", oops",
            "",
            View("v4-c", "v4-cust", "2025-01-02T00:00:00Z", "sku", 5).ToJsonString(),
            Purchase("v4-d", "v4-cust", "2025-01-03T00:00:00Z", "v4-o2", Line(), Line(qty: 0)).ToJsonString(),
        ]);

        var answer = await Host.PostEventsAsync(content);

        Host.AssertStatus((HttpStatusCode)207, answer.Status, answer.Body);
        Assert.Equal((2, 0, 2), (answer.Accepted, answer.Duplicates, answer.Rejected));
        var results = answer.Results;
        Assert.Equal(["accepted", "rejected", "accepted", "rejected"], results.Select(r => r.Status));
        Assert.Contains("line 2", results[1].Error);
        Assert.Equal("lines[1].qty", FieldOf(results[3].Error));
        Assert.Equal("v4-d", results[3].EventId);

        var profile = await Host.GetProfileAsync("v4-cust");
        Assert.Equal(1, profile.GetProperty("orders").GetInt32());
        Assert.Equal(5.00m, profile.GetProperty("monetary_total").GetDecimal());
    }

    [Fact]
    public async Task Body_of_exactly_MaxBodyBytes_is_accepted()
    {
        var answer = await Host.PostEventsAsync(Sized(PaddedBatch("v6", SmallLimitsHost.MaxBodyBytes)));

        Host.AssertStatus(HttpStatusCode.OK, answer.Status, answer.Body);
        Assert.Equal(1, answer.Accepted);
    }

    /// <summary>
    /// One byte over: refused whether the size is announced (Content-Length) or only seen while reading
    /// (chunked). One byte keeps the exchange deterministic: the server can drain the rest of the body
    /// after answering, so the client always reads the 413 instead of a reset connection.
    /// </summary>
    [Fact]
    public async Task Body_one_byte_over_MaxBodyBytes_answers_413_problem_and_records_nothing()
    {
        var body = PaddedBatch("v5a", SmallLimitsHost.MaxBodyBytes + 1);

        using (var sized = await Host.Http.PostAsync("v1/events", Sized(body)))
        {
            Host.AssertStatus(HttpStatusCode.RequestEntityTooLarge, sized.StatusCode, await sized.Content.ReadAsStringAsync());
            Assert.Equal("application/problem+json", sized.MediaType()?.MediaType);
        }

        using (var chunked = await Host.Http.PostAsync("v1/events", new ChunkedContent(Encoding.UTF8.GetBytes(body), "application/json")))
            Host.AssertStatus(HttpStatusCode.RequestEntityTooLarge, chunked.StatusCode, await chunked.Content.ReadAsStringAsync());

        Assert.Equal(HttpStatusCode.NotFound, await Host.GetProfileStatusAsync("v5a-cust"));
    }

    /// <summary>With <c>Expect: 100-continue</c> the server refuses an announced oversized body before it is sent.</summary>
    [Fact]
    public async Task Large_body_announced_with_expect_continue_answers_413_without_being_sent()
    {
        var body = PaddedBatch("v5b", 4 * SmallLimitsHost.MaxBodyBytes);
        using var request = new HttpRequestMessage(HttpMethod.Post, "v1/events") { Content = Sized(body) };
        request.Headers.ExpectContinue = true;

        using var response = await Host.Http.SendAsync(request);

        Host.AssertStatus(HttpStatusCode.RequestEntityTooLarge, response.StatusCode, await response.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.NotFound, await Host.GetProfileStatusAsync("v5b-cust"));
    }

    [Fact]
    public async Task More_events_than_MaxEventsPerRequest_answers_413()
    {
        var events = Enumerable.Range(0, SmallLimitsHost.MaxEventsPerRequest + 1)
            .Select(i => View($"v7-{i}", "v7-cust", "2025-01-01T00:00:00Z", "s", 1).ToJsonString())
            .ToList();
        Assert.True(Encoding.UTF8.GetByteCount(string.Join('\n', events)) < SmallLimitsHost.MaxBodyBytes);

        var asArray = await Host.PostEventsAsync(new StringContent("[" + string.Join(',', events) + "]", Encoding.UTF8, "application/json"));
        var asNdjson = await Host.PostEventsAsync(Ndjson(events));

        Host.AssertStatus(HttpStatusCode.RequestEntityTooLarge, asArray.Status, asArray.Body);
        Host.AssertStatus(HttpStatusCode.RequestEntityTooLarge, asNdjson.Status, asNdjson.Body);
        Assert.Equal(HttpStatusCode.NotFound, await Host.GetProfileStatusAsync("v7-cust"));
    }

    /// <summary>A JSON array holding one valid view of customer <c>{prefix}-cust</c>, padded with spaces to exactly <paramref name="bytes"/> bytes.</summary>
    private static string PaddedBatch(string prefix, int bytes)
    {
        var evt = View(prefix, prefix + "-cust", "2025-01-01T00:00:00Z", "sku", 1).ToJsonString();
        var padded = "[" + evt + new string(' ', bytes - evt.Length - 2) + "]";
        Assert.Equal(bytes, Encoding.UTF8.GetByteCount(padded));
        return padded;
    }

    private static StringContent Sized(string json) => new(json, Encoding.UTF8, "application/json");

    internal static string? FieldOf(string? error)
    {
        if (error is null) return null;
        var colon = error.IndexOf(':');
        return colon > 0 ? error[..colon] : null;
    }

    /// <summary>A body sent with chunked transfer encoding: no Content-Length for the server to check up front.</summary>
    private sealed class ChunkedContent : HttpContent
    {
        private readonly byte[] _bytes;

        public ChunkedContent(byte[] bytes, string mediaType)
        {
            _bytes = bytes;
            Headers.ContentType = new(mediaType);
        }

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            for (var offset = 0; offset < _bytes.Length; offset += 1000)
                await stream.WriteAsync(_bytes.AsMemory(offset, Math.Min(1000, _bytes.Length - offset)));
        }

        protected override bool TryComputeLength(out long length)
        {
            length = -1;
            return false;
        }
    }
}

/// <summary>A batch mixing valid and invalid events keeps the valid ones, durably.</summary>
public sealed class PartialBatchTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Batch_with_invalid_events_answers_207_naming_each_bad_field_and_keeps_the_valid_ones_across_a_restart()
    {
        await using var host = await LoyaltyHostProcess.StartAsync(output, LoyaltyHostProcess.PointsOnly);
        var good = new SentLine("sku-1", "cat", 2, 4.25m);
        var missingPrice = Purchase("p-6", "p-bad", "2025-01-01T00:00:00Z", "o-6", good, good);
        missingPrice["lines"]![1]!.AsObject().Remove("unit_price");
        var noCustomer = View("p-7", "p-bad", "2025-01-01T00:00:00Z", "sku", 1);
        noCustomer.Remove("customer_id");
        var refund = View("p-5", "p-bad", "2025-01-01T00:00:00Z", "sku", 1);
        refund["type"] = "refund";
        var dollars = Purchase("p-3", "p-bad", "2025-01-01T00:00:00Z", "o-3", good);
        dollars["currency"] = "USD";

        var answer = await host.PostBatchAsync(
        [
            Purchase("p-1", "p-good", "2025-01-01T00:00:00Z", "o-1", good),
            Purchase("p-2", "p-bad", "2025-01-01T00:00:00Z", "o-2", good with { Qty = 0 }),
            dollars,
            View("p-4", "p-bad", "yesterday", "sku", 1),
            refund,
            missingPrice,
            noCustomer,
            View("p-8", "p-good", "2025-01-02T00:00:00Z", "sku-1", 3),
        ]);

        host.AssertStatus((HttpStatusCode)207, answer.Status, answer.Body);
        Assert.Equal((2, 0, 6), (answer.Accepted, answer.Duplicates, answer.Rejected));
        var results = answer.Results;
        Assert.Equal(["p-1", "p-2", "p-3", "p-4", "p-5", "p-6", "p-7", "p-8"], results.Select(r => r.EventId));
        Assert.Equal(
            ["accepted", "rejected", "rejected", "rejected", "rejected", "rejected", "rejected", "accepted"],
            results.Select(r => r.Status));
        Assert.Equal(
            [null, "lines[0].qty", "currency", "occurred_at", "type", "lines[1].unit_price", "customer_id", null],
            results.Select(r => IngestValidationTests.FieldOf(r.Error)));
        Assert.All(results.Where(r => r.Status == "accepted"), r => Assert.Null(r.Error));

        await host.RestartAsync();

        var profile = await host.GetProfileAsync("p-good");
        Assert.Equal(1, profile.GetProperty("orders").GetInt32());
        Assert.Equal(8.50m, profile.GetProperty("monetary_total").GetDecimal());
        Assert.Equal(8, profile.GetProperty("points_balance").GetInt64());
        Assert.Equal(HttpStatusCode.NotFound, await host.GetProfileStatusAsync("p-bad"));

        // The accepted ones are known after the restart; the rejected ones were never recorded.
        var again = await host.PostBatchAsync(
        [
            Purchase("p-1", "p-good", "2025-01-01T00:00:00Z", "o-1", good),
            Purchase("p-2", "p-bad", "2025-01-01T00:00:00Z", "o-2", good),
        ]);
        host.AssertStatus(HttpStatusCode.OK, again.Status, again.Body);
        Assert.Equal(["duplicate", "accepted"], again.Results.Select(r => r.Status));
    }
}
