using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Text;

namespace LoyaltyActors.Ingress.Replay;

/// <summary>The outcome of parsing one CSV record.</summary>
internal enum CsvStatus
{
    Ok,

    /// <summary>The text ends inside a quoted field: the record continues on the next physical line.</summary>
    Incomplete,

    Invalid,
}

/// <summary>
/// An RFC 4180 record parser: fields separated by commas; a field may be enclosed in double quotes, and then
/// holds commas, line breaks and doubled quotes (<c>""</c> for one <c>"</c>). A quote inside an unquoted field
/// or text between a closing quote and the next comma is an error (reported, never guessed at).
/// </summary>
internal static class Csv
{
    /// <summary>
    /// The record's fields as ranges of <paramref name="text"/>, without allocating: a quoted field's range excludes its
    /// quotes, and <see cref="CsvField.Escaped"/> tells that it holds doubled quotes still to be undone.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static CsvStatus Split(ReadOnlySpan<char> text, List<CsvField> fields, out string? error)
    {
        fields.Clear();
        error = null;
        // Most records quote nothing: then each field ends at the next comma, and no field can hold a stray quote.
        if (TrySplitUnquoted(text, fields)) return CsvStatus.Ok;
        fields.Clear();

        var i = 0;
        while (true)
        {
            if (i < text.Length && text[i] == '"')
            {
                var open = i;
                var escaped = false;
                i++;
                while (true)
                {
                    var quote = text[i..].IndexOf('"');
                    if (quote < 0) return CsvStatus.Incomplete;
                    i += quote;
                    if (i + 1 < text.Length && text[i + 1] == '"')
                    {
                        escaped = true;
                        i += 2;
                        continue;
                    }

                    break;
                }

                fields.Add(new CsvField(open + 1, i - open - 1, escaped));
                i++;
                if (i >= text.Length) return CsvStatus.Ok;
                if (text[i] != ',')
                {
                    error = $"field {fields.Count}: text after the closing quote of the quoted field starting at character {open + 1}";
                    return CsvStatus.Invalid;
                }

                i++;
            }
            else
            {
                var rest = text[i..];
                var length = rest.IndexOf(',');
                if (length < 0) length = rest.Length;
                var quote = rest[..length].IndexOf('"');
                if (quote >= 0)
                {
                    error = $"field {fields.Count + 1}: a double quote inside an unquoted field (character {i + quote + 1}); quote the field and double the quote";
                    return CsvStatus.Invalid;
                }

                fields.Add(new CsvField(i, length, false));
                i += length;
                if (i >= text.Length) return CsvStatus.Ok;
                i++;
            }
        }
    }

    /// <summary>
    /// The fields of a record without a double quote, in one pass that looks at 16 characters at a time for commas and
    /// quotes (a call to <c>IndexOf</c> per field cost more than the search itself, fields being a few characters long);
    /// false, with <paramref name="fields"/> partly filled, at the first quote.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static bool TrySplitUnquoted(ReadOnlySpan<char> text, List<CsvField> fields)
    {
        var start = 0;
        var i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            ref var chars = ref Unsafe.As<char, ushort>(ref MemoryMarshal.GetReference(text));
            var commas = Vector256.Create((ushort)',');
            var quotes = Vector256.Create((ushort)'"');
            for (; i + Vector256<ushort>.Count <= text.Length; i += Vector256<ushort>.Count)
            {
                var block = Vector256.LoadUnsafe(ref chars, (nuint)i);
                if (Vector256.EqualsAny(block, quotes)) return false;
                for (var mask = Vector256.Equals(block, commas).ExtractMostSignificantBits(); mask != 0; mask &= mask - 1)
                {
                    var comma = i + BitOperations.TrailingZeroCount(mask);
                    fields.Add(new CsvField(start, comma - start, false));
                    start = comma + 1;
                }
            }
        }

        for (; i < text.Length; i++)
        {
            if (text[i] == '"') return false;
            if (text[i] != ',') continue;
            fields.Add(new CsvField(start, i - start, false));
            start = i + 1;
        }

        fields.Add(new CsvField(start, text.Length - start, false));
        return true;
    }
}

/// <summary>One field of a record split by <see cref="Csv.Split"/>: where it lies in the record's text.</summary>
/// <param name="Escaped">True when the (quoted) field holds doubled quotes, each standing for one.</param>
internal readonly record struct CsvField(int Start, int Length, bool Escaped)
{
    /// <summary>The field's value, its doubled quotes undone, written to <paramref name="into"/>; returns the chars written.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public int CopyTo(ReadOnlySpan<char> text, Span<char> into)
    {
        var raw = text.Slice(Start, Length);
        if (!Escaped)
        {
            raw.CopyTo(into);
            return raw.Length;
        }

        var n = 0;
        for (var i = 0; i < raw.Length; i++)
        {
            into[n++] = raw[i];
            if (raw[i] == '"') i++; // the second quote of a pair
        }

        return n;
    }

    public string ToString(ReadOnlySpan<char> text)
    {
        if (!Escaped) return text.Slice(Start, Length).ToString();
        var chars = new char[Length];
        return new string(chars, 0, CopyTo(text, chars));
    }
}
