using System.Numerics;
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
/// structs, which the collector does not look into.
/// <para>
/// A customer's holdings are found by SKU through a small table of the customer's own (one table of every (customer,
/// SKU) pair missed the cache on nearly every line), built when the customer's holdings are first asked for. Until
/// then they are one chain, newest first: most customers never return anything (Online Retail: 58 % of the lines), and
/// tables for them, grown by doubling as they bought, were a tenth of the replay's allocations.
/// </para>
/// </remarks>
internal sealed class Holdings
{
    /// <summary>Per customer number (dense, 0, 1, 2, … as <see cref="CheckedIds"/> gives them).</summary>
    private Customer[] _customers = new Customer[256];

    // The slots, in chunks of a fixed size: a single array grown by doubling allocated (and the kernel zeroed) twice the
    // final size and copied it all at each step; Online Retail ends with ~400,000 slots.
    private const int ChunkBits = 12;
    private const int ChunkMask = (1 << ChunkBits) - 1;
    private Slot[][] _chunks = [new Slot[1 << ChunkBits]];
    private int _used;
    private int _free = -1;

    // Per SKU number: the last pass (of an order's lines, or of a chain being indexed) that met it, and its slot then.
    private int[] _skuPass = new int[256];
    private int[] _skuSlot = new int[256];
    private int _pass;
    private int _lastOrder = -1;
    private readonly List<int> _chain = [];

    /// <summary>Entries with units left (for tests).</summary>
    public int Count { get; private set; }

    /// <summary>
    /// <paramref name="customer"/>'s order <paramref name="order"/>: per line a SKU and the units bought. Lines of the same
    /// SKU add up to one entry. Orders are numbered by the caller, each added once, in increasing order.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void AddOrder(int customer, int order, ReadOnlySpan<(int Sku, int Units)> lines)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(customer);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(order, _lastOrder);
        foreach (var (sku, units) in lines)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(sku);
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(units);
        }

        _lastOrder = order;
        if (customer >= _customers.Length) Array.Resize(ref _customers, Math.Max(customer + 1, _customers.Length * 2));
        ref var c = ref _customers[customer];
        var pass = NextPass();
        foreach (var (sku, units) in lines)
        {
            if (sku >= _skuPass.Length) GrowSkus(sku);
            if (_skuPass[sku] == pass)
            {
                At(_skuSlot[sku]).Remaining += units;
                continue;
            }

            var slot = NewSlot();
            _skuPass[sku] = pass;
            _skuSlot[sku] = slot;
            Count++;
            if (c.Table is { } table)
            {
                ref var head = ref table.HeadOf(sku);
                At(slot) = new Slot(order, units, head, sku);
                head = slot;
            }
            else
            {
                At(slot) = new Slot(order, units, c.NewestPlusOne - 1, sku);
                c.NewestPlusOne = slot + 1;
            }
        }
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
        ref var head = ref _customers[customer].Table!.HeadOf(sku);
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

    /// <summary>The newest slot of the pair, or -1 when it holds nothing (without adding the pair); indexes the customer at first need.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private int Head(int customer, int sku)
    {
        if (customer < 0 || customer >= _customers.Length) return -1;
        ref var c = ref _customers[customer];
        if (c.Table is null)
        {
            if (c.NewestPlusOne == 0) return -1;
            Index(ref c);
        }

        return c.Table!.Find(sku);
    }

    /// <summary>Builds the customer's table from its chain: each SKU's slots chained newest first on their own.</summary>
    private void Index(ref Customer c)
    {
        _chain.Clear();
        var pass = NextPass();
        var distinct = 0;
        for (var slot = c.NewestPlusOne - 1; slot >= 0; slot = At(slot).Older)
        {
            _chain.Add(slot);
            var sku = At(slot).Sku;
            if (_skuPass[sku] != pass)
            {
                _skuPass[sku] = pass;
                distinct++;
            }
        }

        var table = new SkuTable(distinct);
        for (var i = _chain.Count - 1; i >= 0; i--) // oldest first, so that each SKU's head ends at its newest
        {
            var slot = _chain[i];
            ref var head = ref table.HeadOf(At(slot).Sku);
            At(slot).Older = head;
            head = slot;
        }

        c.Table = table;
        c.NewestPlusOne = 0;
    }

    private int NextPass()
    {
        if (++_pass == int.MaxValue)
        {
            Array.Clear(_skuPass);
            _pass = 1;
        }

        return _pass;
    }

    private void GrowSkus(int sku)
    {
        var size = Math.Max(sku + 1, _skuPass.Length * 2);
        Array.Resize(ref _skuPass, size);
        Array.Resize(ref _skuSlot, size);
    }

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
        At(slot) = new Slot(-1, 0, _free, -1);
        _free = slot;
        Count--;
    }

    /// <summary>An order's units of a SKU; <see cref="Older"/> chains the customer's slots (before it is indexed) or the SKU's.</summary>
    private record struct Slot(int Order, int Remaining, int Older, int Sku);

    /// <summary>A customer's holdings: its table once indexed, else the newest slot of its chain (+1; 0: none).</summary>
    private struct Customer
    {
        public SkuTable? Table;
        public int NewestPlusOne;
    }

    /// <summary>
    /// One customer's SKUs: open addressing with linear probing, at most half full. A SKU whose units are all returned
    /// keeps its entry with no slot (-1): a customer who bought it once is likely to again, and nothing is ever removed.
    /// </summary>
    private sealed class SkuTable(int expected)
    {
        private Entry[] _entries = new Entry[Math.Max(8, (int)BitOperations.RoundUpToPowerOf2((uint)(2 * expected + 2)))];
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
