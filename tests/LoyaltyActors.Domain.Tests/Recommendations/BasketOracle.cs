using System.Text.Json;
using LoyaltyActors.Domain.Recommendations;

namespace LoyaltyActors.Domain.Tests.Recommendations;

/// <summary>
/// A deliberately plain recount of market-basket statistics, written without looking at <see cref="CoOccurrenceModel"/>:
/// string-keyed dictionaries, nested loops over each basket, thresholds as exact fractions num/den compared in integers.
/// </summary>
public static class BasketOracle
{
    public sealed record OracleRule(string Antecedent, string Consequent, long Count, double Support, double Confidence, double Lift);

    /// <summary>One basket per line, items comma-separated, every label trimmed (as arules read.transactions does).</summary>
    public static List<string[]> ReadBaskets(string path) =>
        File.ReadLines(path).Select(line => line.Split(',').Select(item => item.Trim()).ToArray()).ToList();

    public static Dictionary<string, long> ItemCounts(IEnumerable<IEnumerable<string>> baskets)
    {
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var basket in baskets)
        {
            foreach (var item in basket.Distinct(StringComparer.Ordinal))
                counts[item] = counts.GetValueOrDefault(item) + 1;
        }

        return counts;
    }

    /// <summary>Counts keyed by the ordinally smaller item first.</summary>
    public static Dictionary<(string, string), long> PairCounts(IEnumerable<IEnumerable<string>> baskets)
    {
        var counts = new Dictionary<(string, string), long>();
        foreach (var basket in baskets)
        {
            var items = basket.Distinct(StringComparer.Ordinal).ToList();
            for (var i = 0; i < items.Count; i++)
            {
                for (var j = 0; j < items.Count; j++)
                {
                    if (string.CompareOrdinal(items[i], items[j]) < 0)
                        counts[(items[i], items[j])] = counts.GetValueOrDefault((items[i], items[j])) + 1;
                }
            }
        }

        return counts;
    }

    /// <summary>
    /// Every rule {a} ⇒ {b} (a ≠ b, co-occurring) with count/N ≥ supNum/supDen and count/count(a) ≥ confNum/confDen,
    /// compared as integers; values as arules prints them (lift = confidence / support(b)). Sorted by antecedent, consequent.
    /// </summary>
    public static List<OracleRule> Rules(IReadOnlyCollection<IEnumerable<string>> baskets, long supNum, long supDen, long confNum, long confDen)
    {
        long n = baskets.Count;
        var items = ItemCounts(baskets);
        var rules = new List<OracleRule>();
        foreach (var ((x, y), count) in PairCounts(baskets))
        {
            foreach (var (a, b) in new[] { (x, y), (y, x) })
            {
                if (count * supDen >= supNum * n && count * confDen >= confNum * items[a])
                {
                    var support = (double)count / n;
                    var confidence = (double)count / items[a];
                    rules.Add(new OracleRule(a, b, count, support, confidence, confidence / ((double)items[b] / n)));
                }
            }
        }

        return rules.OrderBy(r => r.Antecedent, StringComparer.Ordinal).ThenBy(r => r.Consequent, StringComparer.Ordinal).ToList();
    }

    /// <summary>Null when <paramref name="actual"/> equals the oracle's rules (as a set, values within 1e-12 relative), else the first difference.</summary>
    public static string? Difference(IReadOnlyList<OracleRule> expected, IEnumerable<AssociationRule> actual)
    {
        var got = actual.OrderBy(r => r.Antecedent, StringComparer.Ordinal).ThenBy(r => r.Consequent, StringComparer.Ordinal).ToList();
        if (got.Count != expected.Count) return $"expected {expected.Count} rules, got {got.Count}";
        for (var i = 0; i < got.Count; i++)
        {
            var (e, g) = (expected[i], got[i]);
            if (e.Antecedent != g.Antecedent || e.Consequent != g.Consequent || e.Count != g.Count
                || !Close(e.Support, g.Support) || !Close(e.Confidence, g.Confidence) || !Close(e.Lift, g.Lift))
                return $"rule #{i}: expected {e}, got {g}";
        }

        return null;
    }

    /// <summary>Null when <paramref name="rules"/> are in the documented order: lift desc, support desc, antecedent, consequent.</summary>
    public static string? OrderViolation(IReadOnlyList<AssociationRule> rules)
    {
        for (var i = 1; i < rules.Count; i++)
        {
            var (p, r) = (rules[i - 1], rules[i]);
            var inOrder = p.Lift > r.Lift
                          || (p.Lift == r.Lift && (p.Support > r.Support
                              || (p.Support == r.Support && (string.CompareOrdinal(p.Antecedent, r.Antecedent) < 0
                                  || (p.Antecedent == r.Antecedent && string.CompareOrdinal(p.Consequent, r.Consequent) < 0)))));
            if (!inOrder) return $"rules #{i - 1} and #{i} are out of order: {p} then {r}";
        }

        return null;
    }

    public static bool Close(double expected, double actual) =>
        Math.Abs(expected - actual) <= 1e-12 * Math.Max(1, Math.Abs(expected));

    /// <summary>A snapshot as JSON: equal strings mean equal snapshots (and proves the DTO serialises).</summary>
    public static string Json(CoOccurrenceSnapshot snapshot) => JsonSerializer.Serialize(snapshot);
}
