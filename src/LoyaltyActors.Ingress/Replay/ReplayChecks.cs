using System.Globalization;
using System.Runtime.CompilerServices;
using LoyaltyActors.Domain.Wire;

namespace LoyaltyActors.Ingress.Replay;

/// <summary>
/// The checks <see cref="WireFormat"/> applies to an event, applied to the commands the file readers build,
/// so a replayed file and the same events sent over the wire are refused alike.
/// </summary>
internal static class ReplayChecks
{
    /// <summary>Null when <paramref name="value"/> is a valid id; otherwise the reason, naming <paramref name="field"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
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

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static string? Qty(string field, long qty, WireLimits limits) =>
        qty <= 0 ? $"{field}: must be positive, got {qty}"
        : qty > limits.MaxQty ? $"{field}: {qty} is above the limit of {limits.MaxQty} units"
        : null;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
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
    // Open addressing over the ids' text, at most half full: a lookup by span hashes with string.GetHashCode (randomized per
    // process, so no file can be made to collide) and compares characters, all precompiled code. A generic dictionary's
    // span lookup is instantiated for this program and runs unoptimized for much of a short replay.
    private int[] _slots = new int[256]; // index + 1 into the arrays below; 0: empty
    private string[] _ids = new string[128];
    private string?[] _errors = new string?[128];
    private int[] _hashes = new int[128];
    private int _count;
    private int _last = -1; // the id of the previous call: the rows of an order repeat their customer

    /// <summary>The one string of <paramref name="text"/>; <paramref name="error"/> is null when it is a valid id.</summary>
    public string Get(ReadOnlySpan<char> text, out string? error) => Get(text, out error, out _);

    /// <summary>As <see cref="Get(ReadOnlySpan{char}, out string?)"/>, with the id's number (0, 1, … in order of first appearance).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public string Get(ReadOnlySpan<char> text, out string? error, out int number)
    {
        if (_last >= 0 && text.SequenceEqual(_ids[_last]))
        {
            error = _errors[_last];
            number = _last;
            return _ids[_last];
        }

        var hash = string.GetHashCode(text);
        var mask = _slots.Length - 1;
        var i = hash & mask;
        for (; _slots[i] != 0; i = (i + 1) & mask)
        {
            var at = _slots[i] - 1;
            if (_hashes[at] != hash || !text.SequenceEqual(_ids[at])) continue;
            error = _errors[at];
            number = _last = at;
            return _ids[at];
        }

        var value = text.ToString();
        error = ReplayChecks.Id(field, value, limits);
        number = _last = _count;
        if (_count == _ids.Length)
        {
            Array.Resize(ref _ids, _count * 2);
            Array.Resize(ref _errors, _count * 2);
            Array.Resize(ref _hashes, _count * 2);
        }

        _ids[_count] = value;
        _errors[_count] = error;
        _hashes[_count] = hash;
        _slots[i] = ++_count;
        if (2 * _count > _slots.Length) Rehash();
        return value;
    }

    private void Rehash()
    {
        _slots = new int[_slots.Length * 2];
        var mask = _slots.Length - 1;
        for (var at = 0; at < _count; at++)
        {
            var i = _hashes[at] & mask;
            while (_slots[i] != 0) i = (i + 1) & mask;
            _slots[i] = at + 1;
        }
    }
}
