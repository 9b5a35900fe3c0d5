using LoyaltyActors.Domain.Wire;
using LoyaltyActors.Ingress.Replay;
using Xunit;

namespace LoyaltyActors.Ingress.Tests.Replay;

/// <summary>
/// <see cref="CheckedIds"/> (its own open-addressing table over the ids' text) against a dictionary: one string per
/// distinct id, numbered in order of first appearance, with the verdict of the id check.
/// </summary>
public sealed class CheckedIdsTests
{
    [Fact]
    public void Ids_come_back_as_one_string_each_numbered_in_order_of_first_appearance_with_their_verdict()
    {
        var random = new Random(11);
        var limits = new WireLimits();
        var ids = new CheckedIds("StockCode", limits);
        var model = new Dictionary<string, (string Instance, int Number, string? Error)>(StringComparer.Ordinal);

        // 5,000 distinct ids (the table grows many times), each asked for again and again; some too long, some empty or
        // with a control character, some differing only in their last character.
        for (var step = 0; step < 60_000; step++)
        {
            var k = random.Next(5_000);
            var text = (k % 50) switch
            {
                0 => new string('x', limits.MaxIdLength + 1 + k % 3),
                1 => k % 100 == 1 ? "" : $"bad\u0007{k}",
                _ => $"SKU-{k / 7}-{(char)('a' + k % 7)}",
            };

            var got = ids.Get(text.AsSpan(), out var error, out var number);

            if (!model.TryGetValue(text, out var expected))
            {
                expected = (got, model.Count, ReplayChecks.Id("StockCode", text, limits));
                model.Add(text, expected);
            }

            Assert.Equal(text, got);
            Assert.Same(expected.Instance, got);
            Assert.Equal(expected.Number, number);
            Assert.Equal(expected.Error, error);
        }

        Assert.True(model.Count > 4_000, $"{model.Count} distinct ids");
    }

    [Fact]
    public void An_id_asked_for_again_right_after_itself_or_after_another_comes_back_the_same()
    {
        var limits = new WireLimits();
        var ids = new CheckedIds("CustomerID", limits);
        var first = ids.Get("17850".AsSpan(), out _, out var n1);
        var again = ids.Get("17850".ToCharArray(), out _, out var n2);
        var other = ids.Get("1785".AsSpan(), out _, out var n3);
        var bad = ids.Get("bad\u0007".AsSpan(), out var badError, out var n4);
        var badAgain = ids.Get("bad\u0007".AsSpan(), out var badErrorAgain, out var n5);
        var back = ids.Get("17850".AsSpan(), out var error, out var n6);

        Assert.Same(first, again);
        Assert.Same(first, back);
        Assert.Equal("1785", other);
        Assert.Equal([0, 0, 1, 2, 2, 0], new[] { n1, n2, n3, n4, n5, n6 });
        Assert.Null(error);
        Assert.NotNull(badError);
        Assert.Equal(badError, badErrorAgain);
        Assert.Same(bad, badAgain);
    }
}
