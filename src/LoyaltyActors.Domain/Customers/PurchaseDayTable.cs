using System.Collections;
using System.Runtime.CompilerServices;

namespace LoyaltyActors.Domain.Customers;

/// <summary>
/// A customer's purchases per UTC day (days since 1970-01-01), ascending by day: immutable, one array, copied whole on
/// change (a purchase usually lands on the last day or after it).
/// </summary>
/// <remarks>
/// In place of an <c>ImmutableSortedDictionary&lt;int, DaySpend&gt;</c>: a tree node per day cost ~72 bytes against 24 here,
/// every purchase walked and rebuilt a path of nodes, and the tree's code, instantiated for our value type, was compiled
/// for this program at its first use (a short replay ran it unoptimised throughout). A customer buys on tens of days, rarely
/// thousands; copying the array per purchase is then a few hundred bytes.
/// </remarks>
public sealed class PurchaseDayTable : IReadOnlyList<KeyValuePair<int, DaySpend>>, IEquatable<PurchaseDayTable>
{
    private readonly Entry[] _entries;

    private PurchaseDayTable(Entry[] entries) => _entries = entries;

    public static PurchaseDayTable Empty { get; } = new([]);

    /// <summary>
    /// The table of <paramref name="days"/>, in any order; a day given twice is an error. Days already in ascending order
    /// (a snapshot's, read back on every recovery) are taken as they come, without sorting.
    /// </summary>
    public static PurchaseDayTable Create(IEnumerable<KeyValuePair<int, DaySpend>> days)
    {
        var source = days as KeyValuePair<int, DaySpend>[] ?? days.ToArray();
        if (source.Length == 0) return Empty;
        var entries = new Entry[source.Length];
        var ascending = true;
        for (var i = 0; i < source.Length; i++)
        {
            entries[i] = new Entry(source[i].Key, source[i].Value.Purchases, source[i].Value.Amount);
            ascending &= i == 0 || entries[i].Day > entries[i - 1].Day;
        }

        if (ascending) return new PurchaseDayTable(entries);
        Array.Sort(entries, static (a, b) => a.Day.CompareTo(b.Day));
        for (var i = 1; i < entries.Length; i++)
            if (entries[i].Day == entries[i - 1].Day) throw new ArgumentException($"day {entries[i].Day} is given twice", nameof(days));
        return new PurchaseDayTable(entries);
    }

    public int Count => _entries.Length;

    public KeyValuePair<int, DaySpend> this[int index] => _entries[index].Pair;

    /// <summary>The purchases of <paramref name="day"/>, if it has any.</summary>
    public bool TryGetValue(int day, out DaySpend spend)
    {
        var at = IndexOf(day);
        spend = at >= 0 ? _entries[at].Spend : default;
        return at >= 0;
    }

    /// <summary>This table with <paramref name="day"/> set to <paramref name="spend"/>.</summary>
    public PurchaseDayTable SetItem(int day, DaySpend spend)
    {
        var at = IndexOf(day);
        return at >= 0 ? Replace(at, new Entry(day, spend.Purchases, spend.Amount)) : Insert(~at, new Entry(day, spend.Purchases, spend.Amount));
    }

    /// <summary>This table with one more purchase of <paramref name="amount"/> on <paramref name="day"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public PurchaseDayTable AddPurchase(int day, decimal amount)
    {
        var at = IndexOf(day);
        if (at < 0) return Insert(~at, new Entry(day, 1, amount));
        var before = _entries[at];
        return Replace(at, new Entry(day, before.Purchases + 1, before.Amount + amount));
    }

    /// <summary>Σ of the amounts of the days after <paramref name="afterDay"/> up to <paramref name="throughDay"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public decimal AmountBetween(int afterDay, int throughDay)
    {
        var entries = _entries;
        var sum = 0m;
        var at = IndexOf(afterDay + 1);
        for (var i = at >= 0 ? at : ~at; i < entries.Length && entries[i].Day <= throughDay; i++) sum += entries[i].Amount;
        return sum;
    }

    /// <summary>The index of <paramref name="day"/>, or the bitwise complement of where it would go.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private int IndexOf(int day)
    {
        var entries = _entries;
        int lo = 0, hi = entries.Length - 1;
        // Most lookups are for the latest day or one after it.
        if (hi < 0 || day > entries[hi].Day) return ~entries.Length;
        if (day == entries[hi].Day) return hi;
        while (lo <= hi)
        {
            var mid = lo + ((hi - lo) >> 1);
            var d = entries[mid].Day;
            if (d == day) return mid;
            if (d < day) lo = mid + 1;
            else hi = mid - 1;
        }

        return ~lo;
    }

    private PurchaseDayTable Replace(int at, Entry entry)
    {
        var copy = (Entry[])_entries.Clone();
        copy[at] = entry;
        return new PurchaseDayTable(copy);
    }

    private PurchaseDayTable Insert(int at, Entry entry)
    {
        var copy = new Entry[_entries.Length + 1];
        Array.Copy(_entries, copy, at);
        copy[at] = entry;
        Array.Copy(_entries, at, copy, at + 1, _entries.Length - at);
        return new PurchaseDayTable(copy);
    }

    public Enumerator GetEnumerator() => new(_entries);

    IEnumerator<KeyValuePair<int, DaySpend>> IEnumerable<KeyValuePair<int, DaySpend>>.GetEnumerator() => new BoxedEnumerator(_entries);

    IEnumerator IEnumerable.GetEnumerator() => new BoxedEnumerator(_entries);

    public bool Equals(PurchaseDayTable? other) =>
        other is not null && (ReferenceEquals(this, other) || _entries.AsSpan().SequenceEqual(other._entries));

    public override bool Equals(object? obj) => Equals(obj as PurchaseDayTable);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        foreach (var e in _entries) hash.Add(e);
        return hash.ToHashCode();
    }

    public override string ToString() => $"{Count} purchase day(s)";

    /// <summary>Enumerates the days in ascending order, without allocating.</summary>
    public struct Enumerator
    {
        private readonly Entry[] _entries;
        private int _index;

        internal Enumerator(Entry[] entries)
        {
            _entries = entries;
            _index = -1;
        }

        public readonly KeyValuePair<int, DaySpend> Current => _entries[_index].Pair;

        public bool MoveNext() => ++_index < _entries.Length;
    }

    private sealed class BoxedEnumerator(Entry[] entries) : IEnumerator<KeyValuePair<int, DaySpend>>
    {
        private int _index = -1;

        public KeyValuePair<int, DaySpend> Current => entries[_index].Pair;

        object IEnumerator.Current => Current;

        public bool MoveNext() => ++_index < entries.Length;

        public void Reset() => _index = -1;

        public void Dispose()
        {
        }
    }

    /// <summary>One day: its number and its purchases, flat (24 bytes).</summary>
    internal readonly record struct Entry(int Day, int Purchases, decimal Amount)
    {
        public DaySpend Spend => new(Purchases, Amount);

        public KeyValuePair<int, DaySpend> Pair => new(Day, Spend);
    }
}
