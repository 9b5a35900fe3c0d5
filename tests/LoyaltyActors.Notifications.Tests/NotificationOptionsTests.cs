using Xunit;

namespace LoyaltyActors.Notifications.Tests;

public sealed class NotificationOptionsTests
{
    private const string Secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

    [Fact]
    public void The_same_url_twice_is_refused_naming_the_second_entry()
    {
        var options = new NotificationOptions("n.db", [
            WebhookEndpoint.Parse("https://example.test/hook", Secret, "w0"),
            WebhookEndpoint.Parse("https://example.test/hook", Secret, "w1"),
        ]);

        var error = Assert.Throws<ArgumentException>(() => options.Validated());

        Assert.Contains("Loyalty:Notifications:Webhooks:1:Url", error.Message);
    }

    [Theory]
    [InlineData("MaxAttempts")]
    [InlineData("InitialBackoffSeconds")]
    [InlineData("MaxBackoffSeconds")]
    [InlineData("TimeoutSeconds")]
    public void Out_of_range_settings_are_refused_naming_the_key(string key)
    {
        var options = new NotificationOptions("n.db", []);
        options = key switch
        {
            "MaxAttempts" => options with { MaxAttempts = 0 },
            "InitialBackoffSeconds" => options with { InitialBackoff = TimeSpan.Zero },
            "MaxBackoffSeconds" => options with { InitialBackoff = TimeSpan.FromSeconds(10), MaxBackoff = TimeSpan.FromSeconds(5) },
            _ => options with { Timeout = TimeSpan.Zero },
        };

        var error = Assert.Throws<ArgumentException>(() => options.Validated());

        Assert.Contains("Loyalty:Notifications:" + key, error.Message);
    }

    [Fact]
    public void Defaults_are_valid()
    {
        var options = new NotificationOptions("n.db", []).Validated();

        Assert.Equal((8, TimeSpan.FromSeconds(30), TimeSpan.FromHours(1), TimeSpan.FromSeconds(10)),
            (options.MaxAttempts, options.InitialBackoff, options.MaxBackoff, options.Timeout));
    }
}
