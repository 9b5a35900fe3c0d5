using System.Net.Http.Headers;

namespace LoyaltyActors.Host.Tests;

/// <summary>One host with API keys of both roles, a Shopify secret and USD as the deployment currency.</summary>
public sealed class SecuredHost : Xunit.IAsyncLifetime
{
    public const string IngestKey = "ingest-key-3f9a2c71d0b84e55";
    public const string AdminKey = "admin-key-8b1e44a09c7d4f12";
    public const string ShopifySecret = "hush-shopify-app-secret";

    public LoyaltyHostProcess Host { get; private set; } = null!;

    public async Task InitializeAsync() =>
        Host = await LoyaltyHostProcess.StartAsync(environment: new Dictionary<string, string>
        {
            ["Loyalty__Currency"] = "USD",
            ["Loyalty__Security__ApiKeys__0__Key"] = IngestKey,
            ["Loyalty__Security__ApiKeys__0__Role"] = "ingest",
            ["Loyalty__Security__ApiKeys__1__Key"] = AdminKey,
            ["Loyalty__Security__ApiKeys__1__Role"] = "admin",
            ["Loyalty__Shopify__Secret"] = ShopifySecret,
        });

    public async Task DisposeAsync()
    {
        if (Host is not null) await Host.DisposeAsync();
    }

    /// <summary>Sends a request with <c>Authorization: Bearer KEY</c> when <paramref name="key"/> is given.</summary>
    public async Task<(System.Net.HttpStatusCode Status, string Body, HttpResponseMessage Response)> SendAsync(
        HttpMethod method, string path, string? key, HttpContent? content = null, IDictionary<string, string>? headers = null)
    {
        using var request = new HttpRequestMessage(method, path) { Content = content };
        if (key is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        foreach (var (name, value) in headers ?? new Dictionary<string, string>()) request.Headers.TryAddWithoutValidation(name, value);
        var response = await Host.Http.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync(), response);
    }
}
