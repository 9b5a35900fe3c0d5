using NodaTime;

namespace LoyaltyActors.Domain.Wire;

/// <summary>
/// The common shape of a wire instant read without NodaTime's pattern machinery: <c>uuuu-MM-ddTHH:mm:ss</c>, an optional
/// <c>.</c> with 1–9 digits, then <c>Z</c>, in UTF-8. Anything else (an offset, a comma, a year outside 1–9999, a day
/// that does not exist, trailing text) is left to <c>OffsetDateTimePattern.ExtendedIso</c>, which also words the error.
/// What this accepts, the pattern accepts as the same instant (a property test holds the two together).
/// </summary>
/// <remarks>
/// Every event carries one; the pattern's parse (a cursor, bucket objects and a result per call) was among the largest
/// costs of reading a batch on the ingest path.
/// </remarks>
public static class IsoInstantParser
{
    /// <summary>True with the instant when <paramref name="utf8"/> has the common shape and is a valid UTC time; false means "ask the pattern".</summary>
    public static bool TryParseUtc(ReadOnlySpan<byte> utf8, out Instant value)
    {
        value = default;
        // 2026-11-20T10:15:00Z (20) up to 2026-11-20T10:15:00.123456789Z (30).
        if (utf8.Length < 20 || utf8.Length > 30 || utf8[^1] != (byte)'Z') return false;
        if (utf8[4] != (byte)'-' || utf8[7] != (byte)'-' || utf8[10] != (byte)'T' || utf8[13] != (byte)':' || utf8[16] != (byte)':') return false;
        if (!Digits(utf8, 0, 4, out var year) || !Digits(utf8, 5, 2, out var month) || !Digits(utf8, 8, 2, out var day)
            || !Digits(utf8, 11, 2, out var hour) || !Digits(utf8, 14, 2, out var minute) || !Digits(utf8, 17, 2, out var second))
            return false;
        var nanos = 0;
        if (utf8.Length > 20)
        {
            // A fraction: '.', then 1–9 digits, then the Z already checked.
            var digits = utf8.Length - 21;
            if (utf8[19] != (byte)'.' || digits < 1 || !Digits(utf8, 20, digits, out nanos)) return false;
            for (var i = digits; i < 9; i++) nanos *= 10;
        }

        if (year is < 1 or > 9999 || month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(year, month)
            || hour > 23 || minute > 59 || second > 59)
            return false;
        var seconds = DaysSinceEpoch(year, month, day) * 86_400L + hour * 3_600L + minute * 60L + second;
        value = Instant.FromUnixTimeSeconds(seconds).PlusNanoseconds(nanos);
        return true;
    }

    private static bool Digits(ReadOnlySpan<byte> utf8, int start, int count, out int value)
    {
        value = 0;
        for (var i = start; i < start + count; i++)
        {
            var d = utf8[i] - (byte)'0';
            if ((uint)d > 9) return false;
            value = value * 10 + d;
        }

        return true;
    }

    /// <summary>Days from 1970-01-01 to the given proleptic Gregorian date (the ISO calendar NodaTime uses).</summary>
    private static long DaysSinceEpoch(int year, int month, int day) =>
        (new DateTime(year, month, day, 0, 0, 0, DateTimeKind.Utc).Ticks - DateTime.UnixEpoch.Ticks) / TimeSpan.TicksPerDay;
}
