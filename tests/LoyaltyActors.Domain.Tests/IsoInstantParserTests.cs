using System.Text;
using LoyaltyActors.Domain.Wire;
using NodaTime;
using NodaTime.Text;
using Xunit;

namespace LoyaltyActors.Domain.Tests;

/// <summary>The wire's fast instant reader against <see cref="OffsetDateTimePattern.ExtendedIso"/>, which it stands in for.</summary>
public sealed class IsoInstantParserTests
{
    private static readonly IPattern<OffsetDateTime> Pattern = OffsetDateTimePattern.ExtendedIso;

    [Fact]
    public void Every_UTC_instant_in_the_common_shape_is_read_as_the_pattern_reads_it()
    {
        var random = new Random(20261123);
        for (var n = 0; n < 50_000; n++)
        {
            // Any instant of years 1–9999, to the nanosecond, and its text with 0–9 fraction digits (trailing zeros kept).
            var seconds = random.NextInt64(Instant.FromUtc(1, 1, 1, 0, 0).ToUnixTimeSeconds(), Instant.FromUtc(9999, 12, 31, 23, 59, 59).ToUnixTimeSeconds() + 1);
            var at = Instant.FromUnixTimeSeconds(seconds).InUtc();
            var digits = random.Next(0, 10);
            var fraction = digits == 0 ? "" : "." + random.NextInt64((long)Math.Pow(10, digits)).ToString("D" + digits);
            var text = $"{at.Year:D4}-{at.Month:D2}-{at.Day:D2}T{at.Hour:D2}:{at.Minute:D2}:{at.Second:D2}{fraction}Z";

            Assert.True(IsoInstantParser.TryParseUtc(Encoding.UTF8.GetBytes(text), out var fast), text);
            Assert.Equal(Pattern.Parse(text).Value.ToInstant(), fast);
        }
    }

    [Theory]
    [InlineData("2024-02-29T00:00:00Z")]
    [InlineData("2000-02-29T23:59:59.999999999Z")]
    [InlineData("0001-01-01T00:00:00Z")]
    [InlineData("9999-12-31T23:59:59.9Z")]
    [InlineData("1970-01-01T00:00:00.000000001Z")]
    public void Edges_of_the_calendar_are_read_as_the_pattern_reads_them(string text)
    {
        Assert.True(IsoInstantParser.TryParseUtc(Encoding.UTF8.GetBytes(text), out var fast), text);
        Assert.Equal(Pattern.Parse(text).Value.ToInstant(), fast);
    }

    [Theory]
    [InlineData("2023-02-29T00:00:00Z")] // not a leap year
    [InlineData("1900-02-29T00:00:00Z")]
    [InlineData("2024-04-31T00:00:00Z")]
    [InlineData("2024-13-01T00:00:00Z")]
    [InlineData("2024-00-01T00:00:00Z")]
    [InlineData("2024-01-00T00:00:00Z")]
    [InlineData("2024-01-01T24:00:00Z")]
    [InlineData("2024-01-01T00:60:00Z")]
    [InlineData("2024-01-01T00:00:60Z")]
    [InlineData("0000-01-01T00:00:00Z")]
    [InlineData("2024-01-01T00:00:00.Z")]
    [InlineData("2024-01-01T00:00:00.1234567890Z")]
    [InlineData("2024-01-01T00:00:00,5Z")]
    [InlineData("2024-01-01T00:00:00+01:00")]
    [InlineData("2024-01-01T00:00:00z")]
    [InlineData("2024-01-01 00:00:00Z")]
    [InlineData("2024-1-01T00:00:00Z")]
    [InlineData("+2024-01-01T00:00:00Z")]
    [InlineData("2024-01-01T00:00:00ZZ")]
    [InlineData("2024-01-01T00:00:0xZ")]
    public void Anything_else_is_left_to_the_pattern(string text)
    {
        Assert.False(IsoInstantParser.TryParseUtc(Encoding.UTF8.GetBytes(text), out _), text);
    }

    [Fact]
    public void Whatever_it_accepts_out_of_damaged_text_the_pattern_accepts_as_the_same_instant()
    {
        var random = new Random(7);
        const string alphabet = "0123456789-:T.Z+, z";
        var accepted = 0;
        for (var n = 0; n < 100_000; n++)
        {
            // A valid text with one to three characters replaced, inserted or removed.
            var chars = new StringBuilder("2024-02-29T13:45:07.25Z");
            for (var k = random.Next(1, 4); k > 0; k--)
            {
                var at = random.Next(chars.Length);
                var c = alphabet[random.Next(alphabet.Length)];
                switch (random.Next(3))
                {
                    case 0: chars[at] = c; break;
                    case 1: chars.Insert(at, c); break;
                    default: chars.Remove(at, 1); break;
                }
            }

            var text = chars.ToString();
            if (!IsoInstantParser.TryParseUtc(Encoding.UTF8.GetBytes(text), out var fast)) continue;
            accepted++;
            var slow = Pattern.Parse(text);
            Assert.True(slow.Success, $"'{text}' read as {fast}, but the pattern refuses it");
            Assert.Equal(slow.Value.ToInstant(), fast);
        }

        Assert.True(accepted > 1_000, $"only {accepted} damaged texts were still readable: the comparison says little");
    }
}
