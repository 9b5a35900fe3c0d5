using System.Security.Cryptography;
using System.Text;
using Xunit;

namespace LoyaltyActors.Notifications.Tests;

public sealed class WebhookSignatureTests
{
    [Fact]
    public void Signature_is_v1_and_base64_HMAC_SHA256_over_id_dot_timestamp_dot_body_keyed_with_the_decoded_secret()
    {
        var (key, secret) = Notifications.NewSecret();
        var body = NotificationWire.Body(Notifications.Reward("rw-42"));

        var header = WebhookSignature.Sign(WebhookSignature.ParseSecret(secret, "s"), "rw-42", 1_795_000_000, body);

        // Independent oracle: the Standard Webhooks recipe spelled out with the BCL's HMACSHA256.
        using var hmac = new HMACSHA256(key);
        var expected = "v1," + Convert.ToBase64String(hmac.ComputeHash([.. Encoding.UTF8.GetBytes("rw-42.1795000000."), .. body]));
        Assert.Equal(expected, header);
    }

    [Fact]
    public void Signature_matches_the_published_Standard_Webhooks_test_vector()
    {
        // From the Standard Webhooks specification's reference libraries.
        var key = WebhookSignature.ParseSecret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "s");

        var header = WebhookSignature.Sign(key, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, """{"test": 2432232314}"""u8);

        Assert.Equal("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=", header);
    }

    [Fact]
    public void Receiver_verifier_accepts_the_signed_delivery_and_refuses_changes_and_stale_timestamps()
    {
        var (key, _) = Notifications.NewSecret();
        var body = NotificationWire.Body(Notifications.Reward("rw-7"));
        var header = WebhookSignature.Sign(key, "rw-7", 1_000_000, body);
        var tolerance = TimeSpan.FromMinutes(5);

        Assert.True(WebhookSignature.Verify(key, "rw-7", "1000000", header, body, 1_000_010, tolerance));
        Assert.True(WebhookSignature.Verify(key, "rw-7", "1000000", "v1,bm90LWl0 " + header, body, 1_000_010, tolerance)); // key rotation: several signatures
        Assert.False(WebhookSignature.Verify(key, "rw-8", "1000000", header, body, 1_000_010, tolerance));
        Assert.False(WebhookSignature.Verify(key, "rw-7", "1000001", header, body, 1_000_010, tolerance));
        Assert.False(WebhookSignature.Verify(key, "rw-7", "1000000", header, [.. body, (byte)' '], 1_000_010, tolerance));
        Assert.False(WebhookSignature.Verify(new byte[32], "rw-7", "1000000", header, body, 1_000_010, tolerance));
        Assert.False(WebhookSignature.Verify(key, "rw-7", "1000000", header, body, 1_000_000 + 301, tolerance));
    }

    [Theory]
    [InlineData(null, "is missing")]
    [InlineData("", "is missing")]
    [InlineData("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "must start with 'whsec_'")]
    [InlineData("whsec_not base64!", "not valid base64")]
    [InlineData("whsec_c2hvcnQ=", "is 5 bytes")]
    public void A_bad_secret_is_refused_naming_the_setting(string? secret, string reason)
    {
        var error = Assert.Throws<FormatException>(() => WebhookEndpoint.Parse("https://example.test/hook", secret, "Loyalty:Notifications:Webhooks:0"));

        Assert.Contains("Loyalty:Notifications:Webhooks:0:Secret", error.Message);
        Assert.Contains(reason, error.Message);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("example.test/hook")]
    [InlineData("ftp://example.test/hook")]
    public void A_bad_url_is_refused_naming_the_setting(string? url)
    {
        var error = Assert.Throws<FormatException>(() => WebhookEndpoint.Parse(url, "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "Loyalty:Notifications:Webhooks:1"));

        Assert.Contains("Loyalty:Notifications:Webhooks:1:Url", error.Message);
    }

    [Fact]
    public void Retry_backoff_doubles_from_the_initial_delay_up_to_the_cap_and_jitters_within_half_to_full()
    {
        var initial = TimeSpan.FromSeconds(30);
        var max = TimeSpan.FromMinutes(10);
        // 30, 60, 120, 240, 480, then the 600 s cap.
        double[] full = [30, 60, 120, 240, 480, 600, 600];
        for (var n = 1; n <= full.Length; n++)
        {
            Assert.Equal(full[n - 1], WebhookDispatcher.Backoff(n, initial, max, 0.9999999999).TotalSeconds, 3);
            Assert.Equal(full[n - 1] / 2, WebhookDispatcher.Backoff(n, initial, max, 0).TotalSeconds, 3);
        }
    }
}
