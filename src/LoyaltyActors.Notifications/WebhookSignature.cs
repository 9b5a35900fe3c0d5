using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace LoyaltyActors.Notifications;

/// <summary>
/// Standard Webhooks signing: <c>webhook-signature: v1,BASE64(HMAC-SHA256(key, "{id}.{timestamp}.{body}"))</c>,
/// where the key is the base64 part of the endpoint's <c>whsec_…</c> secret and the timestamp is the unix
/// seconds of the attempt (<c>webhook-timestamp</c>).
/// </summary>
public static class WebhookSignature
{
    public const string SecretPrefix = "whsec_";

    /// <summary>The HMAC key of a <c>whsec_&lt;base64&gt;</c> secret; the message names <paramref name="setting"/>.</summary>
    /// <exception cref="FormatException">the secret is missing, lacks the prefix, is not base64, or is shorter than 16 bytes.</exception>
    public static byte[] ParseSecret(string? secret, string setting)
    {
        if (string.IsNullOrWhiteSpace(secret))
            throw new FormatException($"{setting} is missing: a webhook secret 'whsec_<base64>' is required");
        if (!secret.StartsWith(SecretPrefix, StringComparison.Ordinal))
            throw new FormatException($"{setting} must start with '{SecretPrefix}' followed by base64 (Standard Webhooks form)");
        byte[] key;
        try
        {
            key = Convert.FromBase64String(secret[SecretPrefix.Length..]);
        }
        catch (FormatException)
        {
            throw new FormatException($"{setting}: the part after '{SecretPrefix}' is not valid base64");
        }

        // Standard Webhooks asks for 24 to 64 random bytes; below 16 is a typo or a placeholder, not a key.
        if (key.Length < 16) throw new FormatException($"{setting}: the key after '{SecretPrefix}' is {key.Length} bytes; use at least 16 random bytes (24-64 recommended)");
        return key;
    }

    /// <summary>The <c>webhook-signature</c> value for one attempt.</summary>
    public static string Sign(ReadOnlySpan<byte> key, string webhookId, long timestamp, ReadOnlySpan<byte> body)
    {
        var prefix = Encoding.UTF8.GetBytes(webhookId + "." + timestamp.ToString(CultureInfo.InvariantCulture) + ".");
        var content = new byte[prefix.Length + body.Length];
        prefix.CopyTo(content, 0);
        body.CopyTo(content.AsSpan(prefix.Length));
        return "v1," + Convert.ToBase64String(HMACSHA256.HashData(key, content));
    }

    /// <summary>
    /// Receiver-side check: true when one of the space-separated <c>v1,</c> signatures of
    /// <paramref name="signatureHeader"/> matches (constant-time) and the timestamp is within
    /// <paramref name="tolerance"/> of <paramref name="nowUnixSeconds"/>.
    /// </summary>
    public static bool Verify(ReadOnlySpan<byte> key, string webhookId, string timestampHeader, string signatureHeader,
        ReadOnlySpan<byte> body, long nowUnixSeconds, TimeSpan tolerance)
    {
        if (!long.TryParse(timestampHeader, NumberStyles.None, CultureInfo.InvariantCulture, out var timestamp)) return false;
        if (Math.Abs(nowUnixSeconds - timestamp) > tolerance.TotalSeconds) return false;
        var expected = Encoding.ASCII.GetBytes(Sign(key, webhookId, timestamp, body));
        foreach (var candidate in signatureHeader.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            if (CryptographicOperations.FixedTimeEquals(expected, Encoding.ASCII.GetBytes(candidate))) return true;
        }

        return false;
    }
}
