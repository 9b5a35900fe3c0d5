using System.Collections;
using System.Globalization;
using System.Reflection;
using System.Text;
using LoyaltyActors.Domain.Customers;
using LoyaltyActors.Domain.Scoring;
using NodaTime;

namespace LoyaltyActors.Domain.Tests.Support;

/// <summary>
/// A canonical, value-level text form of a <see cref="CustomerState"/>: the state's records hold immutable
/// collections that compare by reference, so two states are compared through this projection instead.
/// Every public property is included by reflection (a field added to the state later is covered too);
/// unordered collections (sets, hash dictionaries) are sorted, ordered ones keep their order; decimals are
/// compared by value (3.5 and 3.50 project alike). The derived profile at a fixed instant is appended.
/// </summary>
internal static class StateProjection
{
    private static readonly Instant ProfileAt = Instant.FromUtc(2030, 1, 1, 0, 0);

    public static string Of(CustomerState state)
    {
        var text = new StringBuilder();
        Write(text, state);
        text.Append("\nprofile=");
        Write(text, CustomerProfileBuilder.Build("C", state, ProfileAt, ScoringSettings.Default, PopulationStats.Neutral));
        return text.ToString();
    }

    private static void Write(StringBuilder text, object? value)
    {
        switch (value)
        {
            case null:
                text.Append("null");
                return;
            case string s:
                text.Append('"').Append(s).Append('"');
                return;
            case decimal d:
                text.Append(d.ToString("G29", CultureInfo.InvariantCulture));
                return;
            case double x:
                text.Append(x.ToString("R", CultureInfo.InvariantCulture));
                return;
            case IFormattable f when value.GetType().IsPrimitive || value.GetType().IsEnum:
                text.Append(f.ToString(null, CultureInfo.InvariantCulture));
                return;
            case bool b:
                text.Append(b ? "true" : "false");
                return;
        }

        var type = value.GetType();
        if (type.Namespace?.StartsWith("NodaTime", StringComparison.Ordinal) == true)
        {
            text.Append(value is IFormattable nf ? nf.ToString(null, CultureInfo.InvariantCulture) : value.ToString());
            return;
        }

        if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(KeyValuePair<,>))
        {
            Write(text, type.GetProperty("Key")!.GetValue(value));
            text.Append("=>");
            Write(text, type.GetProperty("Value")!.GetValue(value));
            return;
        }

        if (value is IEnumerable items)
        {
            var parts = new List<string>();
            foreach (var item in items)
            {
                var part = new StringBuilder();
                Write(part, item);
                parts.Add(part.ToString());
            }

            if (!IsOrdered(type)) parts.Sort(StringComparer.Ordinal);
            text.Append('[').AppendJoin(", ", parts).Append(']');
            return;
        }

        if (type.Namespace?.StartsWith("LoyaltyActors", StringComparison.Ordinal) == true)
        {
            text.Append(type.Name).Append('{');
            var first = true;
            foreach (var p in type.GetProperties(BindingFlags.Public | BindingFlags.Instance).OrderBy(p => p.Name, StringComparer.Ordinal))
            {
                if (p.GetIndexParameters().Length > 0 || p.Name == "EqualityContract") continue;
                if (!first) text.Append(", ");
                first = false;
                text.Append(p.Name).Append('=');
                Write(text, p.GetValue(value));
            }

            text.Append('}');
            return;
        }

        throw new NotSupportedException($"no canonical form for {type}");
    }

    /// <summary>Arrays, lists (an order's lines among them) and sorted dictionaries have a meaningful order; sets and hash dictionaries do not.</summary>
    private static bool IsOrdered(Type type) =>
        type.IsArray
        || type == typeof(OrderLines)
        || type.Name.StartsWith("ImmutableArray", StringComparison.Ordinal)
        || type.Name.StartsWith("ImmutableSorted", StringComparison.Ordinal)
        || type.Name.StartsWith("ImmutableList", StringComparison.Ordinal)
        || type.Name.StartsWith("List", StringComparison.Ordinal);
}
