using System.Globalization;
using LoyaltyActors.Ingress.Replay;
using Xunit;

namespace LoyaltyActors.Ingress.Tests.Replay;

/// <summary><see cref="ReplayNumbers"/> against the general parsers it stands in for: the same verdict and the same value, scale included.</summary>
public sealed class ReplayNumbersTests
{
    private static void SameAsGeneral(string text)
    {
        var okInt = int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var expectedInt);
        Assert.Equal(okInt, ReplayNumbers.TryParseInt(text, out var gotInt));
        Assert.True(expectedInt == gotInt, $"int of '{text}': {gotInt}, the general parser {expectedInt}");

        var okDecimal = decimal.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var expectedDecimal);
        Assert.Equal(okDecimal, ReplayNumbers.TryParseDecimal(text, out var gotDecimal));
        // Equal bits, not equal values: 1.50 and 1.5 are equal decimals but are written differently to the journal.
        Assert.True(decimal.GetBits(expectedDecimal).SequenceEqual(decimal.GetBits(gotDecimal)),
            $"decimal of '{text}': {gotDecimal} (scale {gotDecimal.Scale}), the general parser {expectedDecimal} (scale {expectedDecimal.Scale})");
    }

    [Theory]
    [InlineData("0")]
    [InlineData("7")]
    [InlineData("-12")]
    [InlineData("-0")]
    [InlineData("+5")]
    [InlineData("999999999")]
    [InlineData("2147483647")]
    [InlineData("2147483648")]
    [InlineData("-2147483648")]
    [InlineData("-2147483649")]
    [InlineData("0000000001")]
    [InlineData("2.55")]
    [InlineData("165.0")]
    [InlineData("1.50")]
    [InlineData("0.001")]
    [InlineData("00.50")]
    [InlineData(".5")]
    [InlineData("5.")]
    [InlineData("1.2.3")]
    [InlineData("-0.0")]
    [InlineData("-1.25")]
    [InlineData("1e3")]
    [InlineData("1E-2")]
    [InlineData("123456789012345678")]
    [InlineData("1234567890123456789")]
    [InlineData("12345678901234567.8")]
    [InlineData("99999999999999999999999999999")]
    [InlineData("")]
    [InlineData("-")]
    [InlineData(".")]
    [InlineData(" 1")]
    [InlineData("1 ")]
    [InlineData("1,5")]
    [InlineData("١٢")]
    public void Reads_a_text_as_the_general_parser_does(string text) => SameAsGeneral(text);

    [Fact]
    public void Random_texts_of_digits_points_and_signs_read_as_the_general_parser_reads_them()
    {
        var random = new Random(5);
        const string alphabet = "0123456789012345678901234567890123456789..-+eE ,x";
        for (var i = 0; i < 200_000; i++)
        {
            var chars = new char[random.Next(0, 23)];
            for (var j = 0; j < chars.Length; j++) chars[j] = alphabet[random.Next(alphabet.Length)];
            SameAsGeneral(new string(chars));
        }
    }
}
