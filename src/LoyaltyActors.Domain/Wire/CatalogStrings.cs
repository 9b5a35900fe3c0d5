using System.Collections.Concurrent;

namespace LoyaltyActors.Domain.Wire;

/// <summary>
/// One shared instance of each of the catalogue's strings (SKUs, categories, channels, tier and rule names) as events are
/// read, from the wire or from the journal. A customer's state keeps every order's lines until they can no longer come
/// back, so without sharing each purchase line kept its own copies of strings that a shop has only a few thousand of.
/// </summary>
/// <remarks>
/// Bounded: once <see cref="MaxEntries"/> distinct strings are held, new ones are returned as they are (still correct,
/// only not shared), so a stream of made-up SKUs cannot grow it without end.
/// </remarks>
public static class CatalogStrings
{
    public const int MaxEntries = 1 << 18;

    private static readonly ConcurrentDictionary<string, string> Pool = new(StringComparer.Ordinal);
    private static int _count;

    /// <summary>The shared instance equal to <paramref name="value"/> (it becomes the shared one if there is none yet).</summary>
    public static string Share(string value)
    {
        if (Pool.TryGetValue(value, out var shared)) return shared;
        if (Volatile.Read(ref _count) >= MaxEntries) return value;
        if (Pool.TryAdd(value, value))
        {
            Interlocked.Increment(ref _count);
            return value;
        }

        return Pool.TryGetValue(value, out shared) ? shared : value;
    }

    /// <summary>Distinct strings held.</summary>
    public static int Count => Volatile.Read(ref _count);
}
