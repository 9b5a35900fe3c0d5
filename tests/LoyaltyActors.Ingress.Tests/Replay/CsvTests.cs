using LoyaltyActors.Ingress.Replay;
using Xunit;

namespace LoyaltyActors.Ingress.Tests.Replay;

public sealed class CsvTests
{
    [Theory]
    [InlineData("a,b,c", new[] { "a", "b", "c" })]
    [InlineData("a,,c,", new[] { "a", "", "c", "" })]
    [InlineData("", new[] { "" })]
    [InlineData("1,\"AIRLINE LOUNGE,METAL SIGN\",2", new[] { "1", "AIRLINE LOUNGE,METAL SIGN", "2" })]
    [InlineData("\"RECORD FRAME 7\"\" SINGLE SIZE \",48", new[] { "RECORD FRAME 7\" SINGLE SIZE ", "48" })]
    [InlineData("\"\",x,\"\"", new[] { "", "x", "" })]
    [InlineData("x,\"DECOUPAGE,GREETING CARD,\"", new[] { "x", "DECOUPAGE,GREETING CARD," })]
    [InlineData("\"two\nlines\",z", new[] { "two\nlines", "z" })]
    public void Parses_rfc4180_records(string text, string[] expected)
    {
        var fields = new List<CsvField>();
        Assert.Equal(CsvStatus.Ok, Csv.Split(text, fields, out var error));
        Assert.Null(error);
        Assert.Equal(expected, fields.Select(f => f.ToString(text)));
    }

    [Theory]
    [InlineData("a,\"open")]
    [InlineData("\"still \"\" open,")]
    public void An_open_quote_asks_for_the_next_line(string text) =>
        Assert.Equal(CsvStatus.Incomplete, Csv.Split(text, [], out _));

    [Theory]
    [InlineData("a,\"x\"y,b", "field 2")]
    [InlineData("a,b\"c,d", "field 2")]
    public void Stray_quotes_are_errors_naming_the_field(string text, string field)
    {
        Assert.Equal(CsvStatus.Invalid, Csv.Split(text, [], out var error));
        Assert.StartsWith(field, error);
    }

    [Fact]
    public void Records_without_quotes_split_at_every_comma_whatever_their_length()
    {
        // Lengths across the 16-character blocks the splitter reads at once, with commas anywhere (also first, last, doubled).
        var random = new Random(20261124);
        var fields = new List<CsvField>();
        for (var n = 0; n < 20_000; n++)
        {
            var text = new string(Enumerable.Range(0, random.Next(0, 120)).Select(_ => random.Next(4) == 0 ? ',' : (char)random.Next('a', 'z' + 1)).ToArray());
            Assert.Equal(CsvStatus.Ok, Csv.Split(text, fields, out var error));
            Assert.Null(error);
            Assert.Equal(text.Split(','), fields.Select(f => f.ToString(text)));
        }
    }

    [Fact]
    public void Records_with_quoted_fields_anywhere_give_back_their_values()
    {
        // A quote first met in any 16-character block, or in the characters after the last whole block, sends the record to
        // the quote-aware reading, which must not be misled by the commas found before it.
        var random = new Random(1124);
        var fields = new List<CsvField>();
        for (var n = 0; n < 20_000; n++)
        {
            var values = Enumerable.Range(0, random.Next(1, 12))
                .Select(_ => new string(Enumerable.Range(0, random.Next(0, 15)).Select(_ => "ab,\" \n"[random.Next(6)]).ToArray()))
                .ToArray();
            var text = string.Join(',', values.Select(v => v.IndexOfAny([',', '"', '\n']) >= 0 || random.Next(5) == 0 ? "\"" + v.Replace("\"", "\"\"") + "\"" : v));
            Assert.Equal(CsvStatus.Ok, Csv.Split(text, fields, out var error));
            Assert.Null(error);
            Assert.Equal(values, fields.Select(f => f.ToString(text)));
        }
    }
}
