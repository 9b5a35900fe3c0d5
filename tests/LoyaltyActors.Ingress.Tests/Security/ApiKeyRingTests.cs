using System.Net;
using LoyaltyActors.Domain.Customers;
using LoyaltyActors.Ingress.Security;
using LoyaltyActors.Ingress.Tcp;
using Microsoft.AspNetCore.Http;
using Xunit;

namespace LoyaltyActors.Ingress.Tests.Security;

public sealed class ApiKeyRingTests
{
    private static readonly ApiKeyRing Keys = new([new ApiKey("till-key", ApiRole.Ingest), new ApiKey("ops-key", ApiRole.Admin)]);

    [Theory]
    [InlineData("till-key", ApiRole.Ingest)]
    [InlineData("ops-key", ApiRole.Admin)]
    [InlineData("ops-ke", null)]
    [InlineData("ops-key ", null)]
    [InlineData("OPS-KEY", null)]
    [InlineData("", null)]
    [InlineData(null, null)]
    public void A_key_has_its_configured_role_and_anything_else_has_none(string? presented, ApiRole? expected) =>
        Assert.Equal(expected, Keys.Find(presented));

    [Theory]
    [InlineData("POST", "/v1/events", ApiRole.Ingest)]
    [InlineData("GET", "/v1/customers/c1", ApiRole.Admin)]
    [InlineData("POST", "/v1/customers/c1/redeem", ApiRole.Admin)]
    [InlineData("GET", "/v1/segments", ApiRole.Admin)]
    [InlineData("GET", "/v1/notifications/stream", ApiRole.Admin)]
    [InlineData("POST", "/v1/webhooks/shopify", null)]
    [InlineData("GET", "/health", null)]
    [InlineData("GET", "/metrics", null)]
    [InlineData("GET", "/openapi/v1.json", null)]
    [InlineData("GET", "/", null)]
    [InlineData("GET", "/dashboard.js", null)]
    public void Policy_names_the_role_each_endpoint_needs(string method, string path, ApiRole? expected) =>
        Assert.Equal(expected, ApiKeyPolicy.Required(method, new PathString(path)));

    [Fact]
    public void Admin_may_do_what_ingest_may_but_not_the_reverse()
    {
        Assert.True(ApiKeyRing.Allows(ApiRole.Admin, ApiRole.Ingest));
        Assert.True(ApiKeyRing.Allows(ApiRole.Ingest, ApiRole.Ingest));
        Assert.False(ApiKeyRing.Allows(ApiRole.Ingest, ApiRole.Admin));
    }
}

public sealed class TcpAddressTests
{
    [Theory]
    [InlineData("127.0.0.1:5081", "127.0.0.1", 5081)]
    [InlineData("localhost:0", "127.0.0.1", 0)]
    [InlineData("0.0.0.0:5081", "0.0.0.0", 5081)]
    [InlineData("[::1]:5081", "::1", 5081)]
    public void Host_and_port_are_parsed(string text, string address, int port)
    {
        Assert.True(TcpIngressOptions.TryParseAddress(text, out var endPoint, out var error), error);
        Assert.Equal(new IPEndPoint(IPAddress.Parse(address), port), endPoint);
    }

    [Theory]
    [InlineData("5081")]
    [InlineData("127.0.0.1:")]
    [InlineData("127.0.0.1:99999")]
    [InlineData("example.com:5081")]
    public void Anything_else_is_refused_with_a_reason(string text)
    {
        Assert.False(TcpIngressOptions.TryParseAddress(text, out _, out var error));
        Assert.NotEmpty(error);
    }
}

public sealed class RejectionReasonTests
{
    [Theory]
    [InlineData("currency: 'USD' is not this deployment's currency (EUR)", null, "currency")]
    [InlineData("line 3 is not valid JSON: 'x' is an invalid start of a value", null, "invalid_json")]
    [InlineData("line 4 is not valid UTF-8", null, "invalid_utf8")]
    [InlineData("line 5 is more than 1024 bytes long; at most 1024 are allowed (Loyalty:Tcp:MaxLineBytes); length seen 4000", null, "line_too_long")]
    [InlineData("lines[0].qty: must be a whole number of units", null, "invalid_event")]
    [InlineData("order_id: no such order", RejectionKind.UnknownOrder, "unknown_order")]
    [InlineData("points: balance too low", RejectionKind.InsufficientPoints, "insufficient_points")]
    public void Each_rejection_maps_to_one_reason_of_a_closed_set(string error, RejectionKind? kind, string reason) =>
        Assert.Equal(reason, IngressMetrics.ReasonOf(new EventOutcome("e", EventOutcome.Rejected, error, kind)));
}
