using System.Globalization;
using LoyaltyActors.Domain.Wire;

namespace LoyaltyActors.Ingress.Replay;

/// <summary>
/// The checks <see cref="WireFormat"/> applies to an event, applied to the commands the file readers build,
/// so a replayed file and the same events sent over the wire are refused alike.
/// </summary>
internal static class ReplayChecks
{
    /// <summary>Null when <paramref name="value"/> is a valid id; otherwise the reason, naming <paramref name="field"/>.</summary>
    public static string? Id(string field, string? value, WireLimits limits)
    {
        if (string.IsNullOrWhiteSpace(value)) return $"{field}: must not be empty";
        if (value.Length > limits.MaxIdLength) return $"{field}: is longer than {limits.MaxIdLength} characters";
        foreach (var c in value)
        {
            if (char.IsControl(c)) return $"{field}: must not contain control characters";
        }

        return null;
    }

    public static string? Qty(string field, long qty, WireLimits limits) =>
        qty <= 0 ? $"{field}: must be positive, got {qty}"
        : qty > limits.MaxQty ? $"{field}: {qty} is above the limit of {limits.MaxQty} units"
        : null;

    public static string? UnitPrice(string field, decimal price, WireLimits limits) =>
        price < 0 ? $"{field}: must not be negative, got {Text(price)}"
        : price > limits.MaxUnitPrice ? $"{field}: {Text(price)} is above the limit of {Text(limits.MaxUnitPrice)}"
        : null;

    public static string? Lines(int count, WireLimits limits) =>
        count > limits.MaxLines ? $"lines: {count} lines; at most {limits.MaxLines} are allowed" : null;

    public static string Text(decimal value) => value.ToString(CultureInfo.InvariantCulture);

    public static string Quote(string value) => value.Length <= 40 ? $"'{value}'" : $"'{value[..40]}…'";
}

/// <summary>
/// The ids of one column of a replay: each distinct text becomes one string, checked once with
/// <see cref="ReplayChecks.Id"/>, and numbered in order of first appearance; every later row with the same text gets
/// that string, that verdict and that number.
/// </summary>
internal sealed class CheckedIds(string field, WireLimits limits)
{
    private readonly Dictionary<string, (string? Error, int Number)> _known = new(StringComparer.Ordinal);
    private Dictionary<string, (string? Error, int Number)>.AlternateLookup<ReadOnlySpan<char>> _byText;
    private bool _lookupMade;

    /// <summary>The one string of <paramref name="text"/>; <paramref name="error"/> is null when it is a valid id.</summary>
    public string Get(ReadOnlySpan<char> text, out string? error) => Get(text, out error, out _);

    /// <summary>As <see cref="Get(ReadOnlySpan{char}, out string?)"/>, with the id's number (0, 1, … in order of first appearance).</summary>
    public string Get(ReadOnlySpan<char> text, out string? error, out int number)
    {
        if (!_lookupMade)
        {
            _byText = _known.GetAlternateLookup<ReadOnlySpan<char>>();
            _lookupMade = true;
        }

        if (_byText.TryGetValue(text, out var value, out var known))
        {
            (error, number) = known;
            return value;
        }

        value = text.ToString();
        error = ReplayChecks.Id(field, value, limits);
        number = _known.Count;
        _known.Add(value, (error, number));
        return value;
    }
}
