using System.Security.Cryptography;
using System.Text;

namespace LoyaltyActors.Ingress.Shopify;

/// <summary>
/// Shopify's webhook signature: <c>X-Shopify-Hmac-Sha256</c> is the base64 HMAC-SHA256 of the raw body, keyed
/// with the app's secret. Verified over the bytes exactly as received, in constant time.
/// </summary>
public static class ShopifySignature
{
    public static string Sign(ReadOnlySpan<byte> body, string secret) =>
        Convert.ToBase64String(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), body));

    public static bool IsValid(ReadOnlySpan<byte> body, string? header, string secret)
    {
        if (string.IsNullOrWhiteSpace(header)) return false;
        Span<byte> presented = stackalloc byte[64];
        if (!Convert.TryFromBase64String(header.Trim(), presented, out var written) || written != 32) return false;
        Span<byte> expected = stackalloc byte[32];
        HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), body, expected);
        return CryptographicOperations.FixedTimeEquals(expected, presented[..written]);
    }
}
