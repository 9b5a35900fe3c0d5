namespace LoyaltyActors.Host.Cli;

/// <summary>RFC 4180 quoting for the CSV the CLI writes.</summary>
public static class CsvText
{
    public static string Escape(string value) =>
        value.AsSpan().IndexOfAny(",\"\n\r") >= 0 ? "\"" + value.Replace("\"", "\"\"") + "\"" : value;
}
