using System.Globalization;
using System.Runtime.CompilerServices;

namespace LoyaltyActors.Ingress.Replay;

/// <summary>
/// The numbers of a replay's text columns, read as <see cref="int.TryParse(ReadOnlySpan{char}, NumberStyles, IFormatProvider?, out int)"/>
/// and <see cref="decimal.TryParse(ReadOnlySpan{char}, NumberStyles, IFormatProvider?, out decimal)"/> read them (invariant
/// culture), with the common shapes done digit by digit: a column of a million rows spent more in the general parsers
/// than in anything else of its row. Any other text goes to the general parser, so what is accepted, and the value
/// (a decimal keeps its scale: <c>1.50</c> is 1.50), are the same.
/// </summary>
internal static class ReplayNumbers
{
    /// <summary>As <c>int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, …)</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static bool TryParseInt(ReadOnlySpan<char> text, out int value)
    {
        // [-]d{1,9}: cannot overflow.
        var negative = text.Length > 1 && text[0] == '-';
        var digits = negative ? text[1..] : text;
        if (digits.Length is > 0 and <= 9)
        {
            var n = 0;
            foreach (var c in digits)
            {
                var d = (uint)(c - '0');
                if (d > 9) goto General;
                n = n * 10 + (int)d;
            }

            value = negative ? -n : n;
            return true;
        }

        General:
        return int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value);
    }

    /// <summary>As <c>decimal.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, …)</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static bool TryParseDecimal(ReadOnlySpan<char> text, out decimal value)
    {
        // d+[.d+], at most 18 digits in all (fits a long), no sign: the decimal of those digits with the fraction's length as scale.
        if (text.Length is > 0 and <= 19)
        {
            long n = 0;
            var digits = 0;
            var scale = -1;
            for (var i = 0; i < text.Length; i++)
            {
                var c = text[i];
                var d = (uint)(c - '0');
                if (d <= 9)
                {
                    n = n * 10 + d;
                    digits++;
                    if (scale >= 0) scale++;
                }
                else if (c == '.' && scale < 0 && i > 0 && i < text.Length - 1)
                {
                    scale = 0;
                }
                else
                {
                    goto General;
                }
            }

            if (digits <= 18)
            {
                value = new decimal((int)n, (int)(n >> 32), 0, false, (byte)Math.Max(scale, 0));
                return true;
            }
        }

        General:
        return decimal.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value);
    }
}
