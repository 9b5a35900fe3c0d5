using System.Security.Cryptography;
using System.Text;

namespace LoyaltyActors.Ingress.Security;

/// <summary>
/// Keyed pseudonymisation of customer ids at the edge (<c>Loyalty:Security:PseudonymKey</c>): every id that enters —
/// events from any source, customer paths of the HTTP API, offline commands — becomes <c>p_</c> + 32 hex digits of
/// HMAC-SHA256(key, id), so the journal, the models and the logs never hold the retailer's own ids. The mapping is
/// idempotent (a pseudonym maps to itself), so a path already mapped can go through the ingestor again unchanged.
/// </summary>
public sealed class CustomerPseudonyms
{
    private readonly byte[]? _key;

    private CustomerPseudonyms(byte[]? key) => _key = key;

    /// <summary>Ids are used as sent.</summary>
    public static CustomerPseudonyms None { get; } = new(null);

    public bool Enabled => _key is not null;

    /// <summary>A key of at least 16 characters (its UTF-8 bytes are the HMAC key).</summary>
    public static CustomerPseudonyms WithKey(string key)
    {
        if (key.Length < 16) throw new ArgumentException("Loyalty:Security:PseudonymKey must be at least 16 characters", nameof(key));
        return new CustomerPseudonyms(Encoding.UTF8.GetBytes(key));
    }

    public string Map(string customerId)
    {
        if (_key is null || IsPseudonym(customerId)) return customerId;
        var hash = HMACSHA256.HashData(_key, Encoding.UTF8.GetBytes(customerId));
        return "p_" + Convert.ToHexStringLower(hash.AsSpan(0, 16));
    }

    private static bool IsPseudonym(string id) =>
        id.Length == 34 && id.StartsWith("p_", StringComparison.Ordinal) && id.AsSpan(2).IndexOfAnyExcept("0123456789abcdef") < 0;
}
