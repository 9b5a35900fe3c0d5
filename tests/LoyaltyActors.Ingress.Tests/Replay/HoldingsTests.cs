using LoyaltyActors.Ingress.Replay;
using Xunit;

namespace LoyaltyActors.Ingress.Tests.Replay;

/// <summary>
/// <see cref="Holdings"/> (flat arrays, chained slots, a free list) against the plain model it replaced: per
/// (customer, SKU) a list of (order, units left), oldest first, the last one topped up when the same order adds again,
/// taken newest first, emptied entries removed; an order's lines of one SKU add up.
/// </summary>
public sealed class HoldingsTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    public void Random_orders_and_cancellations_allocate_as_the_list_model(int seed)
    {
        var random = new Random(seed);
        var holdings = new Holdings();
        var model = new Dictionary<(int, int), List<(int Order, int Left)>>();
        // Customer numbers are dense, as CheckedIds gives them (one table each); SKU numbers of any size share a table,
        // and the large ones check that distinct SKUs never share an entry. A customer's first cancellation indexes its
        // holdings; orders of customers already indexed and not yet indexed keep coming between cancellations.
        int[] customers = [0, 1, 2, 7, 300];
        int[] skus = [0, 1, 3, 4_096, 65_536, 1 << 20];
        var order = 0;
        var taken = new List<(int Order, int Units)>();

        for (var step = 0; step < 20_000; step++)
        {
            var c = customers[random.Next(customers.Length)];
            if (random.Next(3) > 0)
            {
                order += random.Next(1, 3);
                var lines = new (int Sku, int Units)[random.Next(1, 6)];
                for (var i = 0; i < lines.Length; i++) lines[i] = (skus[random.Next(skus.Length)], random.Next(1, 6));
                holdings.AddOrder(c, order, lines);
                foreach (var (s, units) in lines)
                {
                    var list = model.TryGetValue((c, s), out var l) ? l : model[(c, s)] = [];
                    if (list.Count > 0 && list[^1].Order == order) list[^1] = (order, list[^1].Left + units); // the order's lines of one SKU add up
                    else list.Add((order, units));
                }
            }
            else
            {
                var s = skus[random.Next(skus.Length)];
                var list = model.GetValueOrDefault((c, s)) ?? [];
                long available = list.Sum(h => (long)h.Left);
                Assert.Equal(available, holdings.Available(c, s));
                if (available == 0) continue;
                var want = random.Next(1, (int)available + 1);
                taken.Clear();
                holdings.Take(c, s, want, taken);

                var expected = new List<(int, int)>();
                for (var i = list.Count - 1; i >= 0 && want > 0; i--)
                {
                    var take = Math.Min(want, list[i].Left);
                    list[i] = (list[i].Order, list[i].Left - take);
                    want -= take;
                    expected.Add((list[i].Order, take));
                }

                list.RemoveAll(h => h.Left == 0);
                Assert.Equal(expected, taken);
            }

            Assert.Equal(model.Values.Sum(l => l.Count), holdings.Count);
        }

        foreach (var c in customers)
            foreach (var s in skus)
                Assert.Equal(model.GetValueOrDefault((c, s))?.Sum(h => (long)h.Left) ?? 0, holdings.Available(c, s));
    }

    [Fact]
    public void An_order_is_added_once_and_after_every_earlier_one()
    {
        var holdings = new Holdings();
        holdings.AddOrder(0, 5, [(1, 1)]);
        Assert.Throws<ArgumentOutOfRangeException>(() => holdings.AddOrder(1, 5, [(1, 1)]));
        Assert.Throws<ArgumentOutOfRangeException>(() => holdings.AddOrder(1, 4, [(1, 1)]));
        Assert.Throws<ArgumentOutOfRangeException>(() => holdings.AddOrder(1, 6, [(1, 0)]));
        Assert.Equal(1, holdings.Count); // a refused order leaves nothing behind
        holdings.AddOrder(1, 6, [(1, 2), (1, 3)]);
        Assert.Equal(5, holdings.Available(1, 1));
        Assert.Equal(2, holdings.Count);
    }

    [Fact]
    public void Holdings_beyond_many_chunks_of_slots_are_kept_taken_newest_first_and_their_slots_reused()
    {
        // Slots live in fixed-size chunks (4,096): 30,000 orders of three customers span several, freed ones are reused.
        var holdings = new Holdings();
        for (var order = 0; order < 30_000; order++) holdings.AddOrder(order % 3, order, [(7, 1 + order % 2)]);
        Assert.Equal(30_000, holdings.Count);
        Assert.Equal(Enumerable.Range(0, 30_000).Where(o => o % 3 == 1).Sum(o => 1L + o % 2), holdings.Available(1, 7));

        var taken = new List<(int Order, int Units)>();
        holdings.Take(1, 7, 15_000, taken);
        var expected = new List<(int, int)>();
        var want = 15_000;
        for (var order = 29_998; want > 0; order -= 3)
        {
            var units = Math.Min(want, 1 + order % 2);
            expected.Add((order, units));
            want -= units;
        }

        Assert.Equal(expected, taken);
        var left = holdings.Count;
        for (var order = 30_000; order < 40_000; order++) holdings.AddOrder(1, order, [(8, 1)]);
        Assert.Equal(left + 10_000, holdings.Count);
        Assert.Equal(10_000, holdings.Available(1, 8));
        Assert.Equal(Enumerable.Range(0, 30_000).Where(o => o % 3 == 0).Sum(o => 1L + o % 2), holdings.Available(0, 7));
    }

    [Fact]
    public void Nothing_bought_is_nothing_available_and_nothing_taken()
    {
        var holdings = new Holdings();
        holdings.AddOrder(1, 0, [(2, 3)]);
        var taken = new List<(int Order, int Units)>();
        holdings.Take(2, 1, 1, taken);
        Assert.Empty(taken);
        Assert.Equal(0, holdings.Available(2, 1));
        Assert.Equal(3, holdings.Available(1, 2));
    }
}
