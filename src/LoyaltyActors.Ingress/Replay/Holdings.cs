using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace LoyaltyActors.Ingress.Replay;

/// <summary>
/// Units bought and not yet returned, per (customer, SKU) and order: what a cancellation in data that does not name
/// the cancelled order can be allocated to. Orders are taken newest first.
/// </summary>
/// <remarks>
/// A replay of a year of trade holds one entry per order line for its whole length (Online Retail: ~400,000). As
/// objects (a list of holdings per SKU per customer) they were most of the reader's live heap, and every collection
/// copied them; here customers, SKUs and orders are numbers and the holdings are chained through one array of
/// structs, which the collector does not look into.
/// </remarks>
internal sealed class Holdings
{
    private readonly Dictionary<long, int> _newest = [];
    private Slot[] _slots = new Slot[1024];
    private int _used;
    private int _free = -1;

    /// <summary>Entries with units left (for tests).</summary>
    public int Count { get; private set; }

    /// <summary><paramref name="units"/> of <paramref name="sku"/> bought by <paramref name="customer"/> in <paramref name="order"/>, now its newest order.</summary>
    /// <remarks>Lines of the same SKU within one order add up, as long as no other order came between.</remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Add(int customer, int sku, int order, int units)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(units);
        var key = Key(customer, sku);
        ref var newest = ref CollectionsMarshal.GetValueRefOrAddDefault(_newest, key, out var exists);
        if (exists && _slots[newest].Order == order)
        {
            _slots[newest].Remaining += units;
            return;
        }

        var slot = NewSlot();
        _slots[slot] = new Slot(order, units, exists ? newest : -1);
        newest = slot;
        Count++;
    }

    /// <summary>Σ units of <paramref name="sku"/> that <paramref name="customer"/> bought and has not returned.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public long Available(int customer, int sku)
    {
        if (!_newest.TryGetValue(Key(customer, sku), out var slot)) return 0;
        long sum = 0;
        for (; slot >= 0; slot = _slots[slot].Older) sum += _slots[slot].Remaining;
        return sum;
    }

    /// <summary>
    /// Takes <paramref name="units"/> (at most <see cref="Available"/>) newest order first; appends each order taken from
    /// and how many, in that order, to <paramref name="taken"/>. Emptied entries are gone afterwards.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Take(int customer, int sku, int units, List<(int Order, int Units)> taken)
    {
        var key = Key(customer, sku);
        if (!_newest.TryGetValue(key, out var head)) return;
        var previous = -1;
        var slot = head;
        while (slot >= 0 && units > 0)
        {
            ref var s = ref _slots[slot];
            var take = Math.Min(units, s.Remaining);
            s.Remaining -= take;
            units -= take;
            taken.Add((s.Order, take));
            var older = s.Older;
            if (s.Remaining == 0)
            {
                if (previous < 0) head = older;
                else _slots[previous].Older = older;
                Release(slot);
            }
            else
            {
                previous = slot;
            }

            slot = older;
        }

        if (head < 0) _newest.Remove(key);
        else _newest[key] = head;
    }

    /// <summary>
    /// The pair as one number, multiplied by an odd constant (a one-to-one map of 64-bit numbers) so that the hash of a
    /// long, its halves XORed, spreads: unmixed, small customer and SKU numbers would share a few thousand hashes.
    /// </summary>
    private static long Key(int customer, int sku) => unchecked((((long)customer << 32) | (uint)sku) * (long)0x9E3779B97F4A7C15);

    private int NewSlot()
    {
        if (_free >= 0)
        {
            var reused = _free;
            _free = _slots[reused].Older;
            return reused;
        }

        if (_used == _slots.Length) Array.Resize(ref _slots, _slots.Length * 2);
        return _used++;
    }

    private void Release(int slot)
    {
        _slots[slot] = new Slot(-1, 0, _free);
        _free = slot;
        Count--;
    }

    private record struct Slot(int Order, int Remaining, int Older);
}
