using System.Security.Cryptography;
using System.Text;

namespace LoyaltyActors.Ingress.Security;

/// <summary>What a key may do: <see cref="Ingest"/> sends events (HTTP and TCP), <see cref="Admin"/> does everything.</summary>
public enum ApiRole
{
    Ingest,
    Admin,
}

/// <summary>One configured key (<c>Loyalty:Security:ApiKeys:N</c>).</summary>
public sealed record ApiKey(string Key, ApiRole Role);

/// <summary>
/// The configured API keys. A presented key is hashed and compared with every stored hash using
/// <see cref="CryptographicOperations.FixedTimeEquals"/>, always all of them, so neither the position of the
/// first differing byte nor which key matched shows in the time taken.
/// </summary>
public sealed class ApiKeyRing
{
    private readonly (byte[] Hash, ApiRole Role)[] _keys;

    public ApiKeyRing(IEnumerable<ApiKey> keys) =>
        _keys = keys.Select(k => (Hash(k.Key), k.Role)).ToArray();

    public static ApiKeyRing None { get; } = new([]);

    /// <summary>No keys configured: the server is open and only listens on loopback.</summary>
    public bool IsEmpty => _keys.Length == 0;

    /// <summary>The role of <paramref name="presented"/>, or null when it is no configured key.</summary>
    public ApiRole? Find(string? presented)
    {
        if (presented is null) return null;
        var hash = Hash(presented);
        ApiRole? found = null;
        foreach (var (stored, role) in _keys)
        {
            if (CryptographicOperations.FixedTimeEquals(hash, stored) && found is null) found = role;
        }

        return found;
    }

    /// <summary>Whether <paramref name="role"/> is at least <paramref name="required"/>.</summary>
    public static bool Allows(ApiRole role, ApiRole required) => role == ApiRole.Admin || role == required;

    public static bool TryParseRole(string? text, out ApiRole role)
    {
        role = ApiRole.Ingest;
        switch (text?.Trim().ToLowerInvariant())
        {
            case "ingest": role = ApiRole.Ingest; return true;
            case "admin": role = ApiRole.Admin; return true;
            default: return false;
        }
    }

    public static string Name(ApiRole role) => role == ApiRole.Admin ? "admin" : "ingest";

    private static byte[] Hash(string key) => SHA256.HashData(Encoding.UTF8.GetBytes(key));
}
