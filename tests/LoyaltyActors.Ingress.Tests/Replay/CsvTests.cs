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
}
