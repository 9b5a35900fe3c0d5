using System.Globalization;
using LoyaltyActors.Tests;

namespace LoyaltyActors.Domain.Tests.Support;

/// <summary>One row of lifetimes' <c>CDNOW_sample.txt</c>: the sample id (the published <c>ID</c>), the day and the dollars.</summary>
internal sealed record CdnowRow(int Line, int SampleId, DateTime Date, int Cds, decimal Dollars);

/// <summary>
/// Reads <c>cdnow-lifetimes/CDNOW_sample.txt</c> (no header, CRLF, runs of whitespace between
/// <c>master_id sample_id yyyymmdd cds dollars</c>). Skips the calling test when the data set is absent.
/// </summary>
internal static class CdnowSample
{
    private static readonly object Gate = new();
    private static IReadOnlyList<CdnowRow>? _rows;

    public static IReadOnlyList<CdnowRow> Rows()
    {
        var path = TestData.Require("cdnow-lifetimes/CDNOW_sample.txt");
        lock (Gate)
        {
            return _rows ??= Parse(path);
        }
    }

    private static List<CdnowRow> Parse(string path)
    {
        var rows = new List<CdnowRow>();
        var lineNo = 0;
        foreach (var line in File.ReadLines(path))
        {
            lineNo++;
            var cols = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (cols.Length == 0) continue;
            if (cols.Length != 5) throw new FormatException($"line {lineNo}: expected 5 columns, got {cols.Length}");
            rows.Add(new CdnowRow(
                lineNo,
                int.Parse(cols[1], CultureInfo.InvariantCulture),
                DateTime.ParseExact(cols[2], "yyyyMMdd", CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal),
                int.Parse(cols[3], CultureInfo.InvariantCulture),
                decimal.Parse(cols[4], NumberStyles.Number, CultureInfo.InvariantCulture)));
        }

        return rows;
    }
}
