using System.Runtime.CompilerServices;

namespace LoyaltyActors.Ingress.Replay;

/// <summary>
/// Units bought and not yet returned, per (customer, SKU) and order: what a cancellation in data that does not name
/// the cancelled order can be allocated to. Orders are taken newest first.
/// </summary>
/// <remarks>
/// A replay of a year of trade holds one entry per order line for its whole length (Online Retail: ~400,000). As
/// objects (a list of holdings per SKU per customer) they were most of the reader's live heap, and every collection
/// copied them; here customers, SKUs and orders are numbers and the holdings are chained through one array of
/// structs, which the collector does not look into. Each customer has a small table of its SKUs of its own, so the
/// lines of one order (one customer) stay within a few cache lines; one table of every (customer, SKU) pair missed
/// the cache on nearly every line.
/// </remarks>
internal sealed class Holdings
{
    /// <summary>Per customer number: its SKUs' newest slots. Customer numbers are dense (0, 1, 2, … as <see cref="CheckedIds"/> gives them).</summary>
    private SkuTable?[] _customers = new SkuTable?[256];

    // The slots, in chunks of a fixed size: a single array grown by doubling allocated (and the kernel zeroed) twice the
    // final size and copied it all at each step; Online Retail ends with ~400,000 slots.
    private const int ChunkBits = 12;
    private const int ChunkMask = (1 << ChunkBits) - 1;
    private Slot[][] _chunks = [new Slot[1 << ChunkBits]];
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
        ArgumentOutOfRangeException.ThrowIfNegative(customer);
        ArgumentOutOfRangeException.ThrowIfNegative(sku);
        if (customer >= _customers.Length) Array.Resize(ref _customers, Math.Max(customer + 1, _customers.Length * 2));
        var table = _customers[customer] ??= new SkuTable();
        ref var newest = ref table.HeadOf(sku);
        if (newest >= 0 && At(newest).Order == order)
        {
            At(newest).Remaining += units;
            return;
        }

        var slot = NewSlot();
        At(slot) = new Slot(order, units, newest);
        newest = slot;
        Count++;
    }

    /// <summary>Σ units of <paramref name="sku"/> that <paramref name="customer"/> bought and has not returned.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public long Available(int customer, int sku)
    {
        long sum = 0;
        for (var slot = Head(customer, sku); slot >= 0; slot = At(slot).Older) sum += At(slot).Remaining;
        return sum;
    }

    /// <summary>
    /// Takes <paramref name="units"/> (at most <see cref="Available"/>) newest order first; appends each order taken from
    /// and how many, in that order, to <paramref name="taken"/>. Emptied entries are gone afterwards.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Take(int customer, int sku, int units, List<(int Order, int Units)> taken)
    {
        if (Head(customer, sku) < 0) return;
        ref var head = ref _customers[customer]!.HeadOf(sku);
        var previous = -1;
        var slot = head;
        while (slot >= 0 && units > 0)
        {
            ref var s = ref At(slot);
            var take = Math.Min(units, s.Remaining);
            s.Remaining -= take;
            units -= take;
            taken.Add((s.Order, take));
            var older = s.Older;
            if (s.Remaining == 0)
            {
                if (previous < 0) head = older;
                else At(previous).Older = older;
                Release(slot);
            }
            else
            {
                previous = slot;
            }

            slot = older;
        }
    }

    /// <summary>The newest slot of the pair, or -1 when it holds nothing (without adding the pair).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private int Head(int customer, int sku) =>
        customer >= 0 && customer < _customers.Length && _customers[customer] is { } table ? table.Find(sku) : -1;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private int NewSlot()
    {
        if (_free >= 0)
        {
            var reused = _free;
            _free = At(reused).Older;
            return reused;
        }

        var chunk = _used >> ChunkBits;
        if (chunk == _chunks.Length) Array.Resize(ref _chunks, _chunks.Length * 2);
        _chunks[chunk] ??= new Slot[1 << ChunkBits];
        return _used++;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ref Slot At(int slot) => ref _chunks[slot >> ChunkBits][slot & ChunkMask];

    private void Release(int slot)
    {
        At(slot) = new Slot(-1, 0, _free);
        _free = slot;
        Count--;
    }

    private record struct Slot(int Order, int Remaining, int Older);

    /// <summary>
    /// One customer's SKUs: open addressing with linear probing, at most half full. A SKU whose units are all returned
    /// keeps its entry with no slot (-1): a customer who bought it once is likely to again, and nothing is ever removed.
    /// </summary>
    private sealed class SkuTable
    {
        private Entry[] _entries = new Entry[8];
        private int _count;

        /// <summary>The newest slot of <paramref name="sku"/>, or -1.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public int Find(int sku)
        {
            var mask = _entries.Length - 1;
            for (var i = Hash(sku) & mask; ; i = (i + 1) & mask)
            {
                ref var e = ref _entries[i];
                if (e.SkuPlusOne == sku + 1) return e.Head;
                if (e.SkuPlusOne == 0) return -1;
            }
        }

        /// <summary>The newest slot of <paramref name="sku"/> to read or set; a new SKU gets an entry holding -1.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public ref int HeadOf(int sku)
        {
            if (2 * (_count + 1) > _entries.Length) Grow();
            var mask = _entries.Length - 1;
            for (var i = Hash(sku) & mask; ; i = (i + 1) & mask)
            {
                ref var e = ref _entries[i];
                if (e.SkuPlusOne == sku + 1) return ref e.Head;
                if (e.SkuPlusOne != 0) continue;
                e = new Entry { SkuPlusOne = sku + 1, Head = -1 };
                _count++;
                return ref e.Head;
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void Grow()
        {
            var old = _entries;
            _entries = new Entry[old.Length * 2];
            var mask = _entries.Length - 1;
            foreach (var e in old)
            {
                if (e.SkuPlusOne == 0) continue;
                var i = Hash(e.SkuPlusOne - 1) & mask;
                while (_entries[i].SkuPlusOne != 0) i = (i + 1) & mask;
                _entries[i] = e;
            }
        }

        // Fibonacci hashing: SKU numbers are dense, and their low bits alone would cluster.
        private static int Hash(int sku) => (int)(((uint)sku * 0x9E3779B9u) >> 8);

        private struct Entry
        {
            public int SkuPlusOne; // 0: empty
            public int Head;
        }
    }
}
