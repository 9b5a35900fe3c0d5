using System.Net;
using System.Text;
using System.Text.Json;
using Xunit;
using Xunit.Abstractions;
using static LoyaltyActors.Host.Tests.WireEvents;

namespace LoyaltyActors.Host.Tests;

/// <summary>
/// API keys with roles (README, Security): ingest may POST /v1/events and use TCP, admin may do everything,
/// health/metrics stay public; without keys the server refuses non-loopback addresses.
/// </summary>
public sealed class SecurityTests(SecuredHost fixture, ITestOutputHelper output) : IClassFixture<SecuredHost>
{
    private LoyaltyHostProcess Host => fixture.Host;

    private static StringContent ViewBody(string id) => Json(View(id, id + "-cust", "2025-01-01T00:00:00Z", "sku", 1));

    [Fact]
    public async Task Without_a_key_or_with_an_unknown_key_data_endpoints_answer_401()
    {
        foreach (var key in new string?[] { null, "not-a-key", SecuredHost.AdminKey + "x", SecuredHost.AdminKey[..^1] })
        {
            var post = await fixture.SendAsync(HttpMethod.Post, "v1/events", key, ViewBody("s1"));
            Host.AssertStatus(HttpStatusCode.Unauthorized, post.Status, post.Body);
            Assert.Equal("Bearer", post.Response.Headers.WwwAuthenticate.Single().Scheme);
            var get = await fixture.SendAsync(HttpMethod.Get, "v1/customers/s1-cust", key);
            Host.AssertStatus(HttpStatusCode.Unauthorized, get.Status, get.Body);
            var segments = await fixture.SendAsync(HttpMethod.Get, "v1/segments", key);
            Host.AssertStatus(HttpStatusCode.Unauthorized, segments.Status, segments.Body);
        }

        // Nothing was recorded by the refused posts.
        var admin = await fixture.SendAsync(HttpMethod.Get, "v1/customers/s1-cust", SecuredHost.AdminKey);
        Host.AssertStatus(HttpStatusCode.NotFound, admin.Status, admin.Body);
    }

    [Fact]
    public async Task Ingest_key_may_post_events_but_not_read_data_and_admin_key_may_do_both()
    {
        var post = await fixture.SendAsync(HttpMethod.Post, "v1/events", SecuredHost.IngestKey, ViewBody("s2"));
        Host.AssertStatus(HttpStatusCode.OK, post.Status, post.Body);

        var asIngest = await fixture.SendAsync(HttpMethod.Get, "v1/customers/s2-cust", SecuredHost.IngestKey);
        Host.AssertStatus(HttpStatusCode.Forbidden, asIngest.Status, asIngest.Body);
        Assert.Contains("admin", asIngest.Body);
        var redeem = await fixture.SendAsync(HttpMethod.Post, "v1/customers/s2-cust/redeem", SecuredHost.IngestKey,
            new StringContent("{\"event_id\":\"s2-r\",\"points\":1,\"reward\":\"x\"}", Encoding.UTF8, "application/json"));
        Host.AssertStatus(HttpStatusCode.Forbidden, redeem.Status, redeem.Body);

        var asAdmin = await fixture.SendAsync(HttpMethod.Get, "v1/customers/s2-cust", SecuredHost.AdminKey);
        Host.AssertStatus(HttpStatusCode.OK, asAdmin.Status, asAdmin.Body);
        Assert.Equal(1, JsonDocument.Parse(asAdmin.Body).RootElement.GetProperty("views").GetInt32());
        var adminPost = await fixture.SendAsync(HttpMethod.Post, "v1/events", SecuredHost.AdminKey, ViewBody("s2b"));
        Host.AssertStatus(HttpStatusCode.OK, adminPost.Status, adminPost.Body);
    }

    [Theory]
    [InlineData("health")]
    [InlineData("metrics")]
    public async Task Health_and_metrics_stay_public(string path)
    {
        var response = await fixture.SendAsync(HttpMethod.Get, path, null);
        Host.AssertStatus(HttpStatusCode.OK, response.Status, response.Body);
    }

    [Fact]
    public async Task Metrics_count_refused_keys()
    {
        var series = MetricsScrape.Rejected("http", "unauthenticated");
        var before = await MetricsScrape.ValueAsync(Host, series);
        await fixture.SendAsync(HttpMethod.Post, "v1/events", "wrong", ViewBody("s3"));
        Assert.Equal(before + 1, await MetricsScrape.ValueAsync(Host, series));
    }

    [Fact]
    public async Task Wrong_content_type_answers_415_naming_the_accepted_types()
    {
        var response = await fixture.SendAsync(HttpMethod.Post, "v1/events", SecuredHost.IngestKey,
            new StringContent(View("s4", "s4-cust", "2025-01-01T00:00:00Z", "sku", 1).ToJsonString(), Encoding.UTF8, "text/plain"));
        Host.AssertStatus(HttpStatusCode.UnsupportedMediaType, response.Status, response.Body);
        Assert.Contains("application/x-ndjson", response.Body);
    }

    [Fact]
    public async Task Tcp_with_keys_requires_an_auth_line_first()
    {
        await using (var anonymous = await TcpTill.ConnectAsync(Host))
        {
            await anonymous.WriteLineAsync(View("s5-a", "s5-cust", "2025-01-01T00:00:00Z", "sku", 1).ToJsonString());
            var reply = JsonDocument.Parse((await anonymous.ReadLineAsync())!).RootElement;
            Assert.Equal("rejected", reply.GetProperty("auth").GetString());
            Assert.Null(await anonymous.ReadLineAsync()); // closed
        }

        await using (var wrong = await TcpTill.ConnectAsync(Host))
        {
            await wrong.WriteLineAsync("{\"auth\":\"nope\"}");
            await wrong.WriteLineAsync(View("s5-b", "s5-cust", "2025-01-01T00:00:00Z", "sku", 1).ToJsonString());
            Assert.Equal("rejected", JsonDocument.Parse((await wrong.ReadLineAsync())!).RootElement.GetProperty("auth").GetString());
            Assert.Null(await wrong.ReadLineAsync());
        }

        var admin = await fixture.SendAsync(HttpMethod.Get, "v1/customers/s5-cust", SecuredHost.AdminKey);
        Host.AssertStatus(HttpStatusCode.NotFound, admin.Status, admin.Body);

        await using var till = await TcpTill.ConnectAsync(Host);
        await till.WriteLineAsync($"{{\"auth\":\"{SecuredHost.IngestKey}\"}}");
        await till.WriteLineAsync(View("s5-c", "s5-cust", "2025-01-01T00:00:00Z", "sku", 1).ToJsonString());
        var ok = JsonDocument.Parse((await till.ReadLineAsync())!).RootElement;
        Assert.Equal(("ok", "ingest"), (ok.GetProperty("auth").GetString(), ok.GetProperty("role").GetString()));
        Assert.Equal(("s5-c", "accepted", (string?)null), await till.ReadAckAsync());
    }

    [Theory]
    [InlineData("--http", "http://0.0.0.0:0", "--tcp", "127.0.0.1:0")]
    [InlineData("--http", "http://127.0.0.1:0", "--tcp", "0.0.0.0:0")]
    public async Task Without_keys_serve_refuses_a_non_loopback_address_naming_the_option_and_the_setting(params string[] addresses)
    {
        var dataDir = Path.Combine(Path.GetTempPath(), "loyalty-host-tests", Guid.NewGuid().ToString("N"));
        try
        {
            var run = await LoyaltyHostProcess.RunCliAsync(null, ["serve", "--data-dir", dataDir, .. addresses]);
            output.WriteLine(run.ToString());
            Assert.NotEqual(0, run.ExitCode);
            var refused = addresses[1].Contains("0.0.0.0") ? "--http" : "--tcp";
            Assert.Contains(refused + " ", run.Stderr);
            Assert.Contains("Loyalty:Security:ApiKeys", run.Stderr);
        }
        finally
        {
            if (Directory.Exists(dataDir)) Directory.Delete(dataDir, recursive: true);
        }
    }
}
