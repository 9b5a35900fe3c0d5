using System.Runtime.CompilerServices;
using System.Collections.Immutable;

namespace LoyaltyActors.Domain.Customers;

/// <summary>
/// An immutable set of strings (ordinal) kept as small as it is: <c>null</c> when empty, the string itself when it
/// holds one, a sorted array up to <see cref="MaxArray"/> strings, an <see cref="ImmutableHashSet{T}"/> beyond.
/// An <see cref="ImmutableHashSet{T}"/> of one string costs about a hundred bytes besides the string; a customer's
/// event ids and categories are mostly a handful, and each further string costs the hash set a node of ~64 bytes where
/// the array holds a reference. Adding is O(log n) lookups plus a copy of at most <see cref="MaxArray"/> references while
/// small (about what the hash set's path copy allocates), the hash set's O(log n) after. With 64 rather than 8, a
/// customer after 40 one-line purchases holds 17.6 instead of 19.5 KB (measured on 10,000 such states).
/// </summary>
internal static class SmallStringSet
{
    /// <summary>The largest set kept as a sorted array.</summary>
    internal const int MaxArray = 64;

    private static readonly ImmutableHashSet<string> EmptySet = ImmutableHashSet<string>.Empty.WithComparer(StringComparer.Ordinal);

    /// <summary>The compact form of <paramref name="set"/>.</summary>
    public static object? From(ImmutableHashSet<string>? set)
    {
        if (set is null || set.Count == 0) return null;
        if (set.Count == 1) return set.First();
        if (set.Count > MaxArray) return set.WithComparer(StringComparer.Ordinal);
        var sorted = set.ToArray();
        Array.Sort(sorted, StringComparer.Ordinal);
        return sorted;
    }

    /// <summary>The set as an <see cref="ImmutableHashSet{T}"/> (built for a small one; the same instance for a large one).</summary>
    public static ImmutableHashSet<string> ToSet(object? set) => set switch
    {
        null => EmptySet,
        string one => EmptySet.Add(one),
        string[] few => EmptySet.Union(few),
        _ => (ImmutableHashSet<string>)set,
    };

    public static int Count(object? set) => set switch
    {
        null => 0,
        string => 1,
        string[] few => few.Length,
        _ => ((ImmutableHashSet<string>)set).Count,
    };

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static bool Contains(object? set, string value) => set switch
    {
        null => false,
        string one => string.Equals(one, value, StringComparison.Ordinal),
        string[] few => Search(few, value) >= 0,
        _ => ((ImmutableHashSet<string>)set).Contains(value),
    };

    /// <summary>As <see cref="Array.BinarySearch{T}(T[], T, IComparer{T}?)"/> with the ordinal comparer, without its interface calls.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int Search(string[] sorted, string value)
    {
        int lo = 0, hi = sorted.Length - 1;
        while (lo <= hi)
        {
            var mid = lo + ((hi - lo) >> 1);
            var order = string.CompareOrdinal(sorted[mid], value);
            if (order == 0) return mid;
            if (order < 0) lo = mid + 1;
            else hi = mid - 1;
        }

        return ~lo;
    }

    /// <summary>The set with <paramref name="value"/> (the same object when it is already in).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static object Add(object? set, string value)
    {
        switch (set)
        {
            case null:
                return value;
            case string one:
            {
                var order = string.CompareOrdinal(one, value);
                if (order == 0) return one;
                return order < 0 ? new[] { one, value } : new[] { value, one };
            }
            case string[] few:
            {
                var at = Search(few, value);
                if (at >= 0) return few;
                if (few.Length == MaxArray) return EmptySet.Union(few).Add(value);
                at = ~at;
                var more = new string[few.Length + 1];
                Array.Copy(few, more, at);
                more[at] = value;
                Array.Copy(few, at, more, at + 1, few.Length - at);
                return more;
            }
            default:
                return ((ImmutableHashSet<string>)set).Add(value);
        }
    }
}
