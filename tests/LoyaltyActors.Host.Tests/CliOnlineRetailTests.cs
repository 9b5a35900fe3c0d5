using System.Globalization;
using System.Text;
using LoyaltyActors.Tests;
using Xunit;
using Xunit.Abstractions;

namespace LoyaltyActors.Host.Tests;

/// <summary>
/// CONTRACT <c>loyalty replay --format online-retail</c> over the whole UCI Online Retail folder (305 daily
/// CSVs), then <c>loyalty rfm-summary</c>, against data/online-retail-uci/README.md. One test, one replay:
/// it is the slowest input we have.
/// </summary>
public sealed class CliOnlineRetailTests(ITestOutputHelper output)
{
    private const int DataRows = 541_909;
    private const int RowsWithoutCustomerId = 135_080;

    [SkippableFact]
    public async Task Replay_of_the_whole_folder_accounts_for_every_row_and_rfm_summary_gives_the_published_lifetimes_figures()
    {
        var folder = TestData.Require("online-retail-uci/by-day");
        using var scratch = new CliScratch();
        var dataDir = scratch.Path("data");
        var rejects = scratch.Path("rejects.csv");

        var run = await CliProcess.RunAsync(TimeSpan.FromMinutes(3),
            "replay", folder, "--format", "online-retail", "--data-dir", dataDir, "--rejects", rejects);
        output.WriteLine(run.ToString());
        var report = ReplayReport.Of(run);

        // Every data row is in exactly one of accepted events, duplicates, rejected.
        Assert.Equal(DataRows, report.Rows);
        Assert.Equal(DataRows, report.RowsAccepted + report.RowsDuplicate + report.RowsRejected);
        Assert.Equal(0, report.Duplicates);
        Assert.Equal(0, report.RowsDuplicate);
        Assert.True(report.Accepted > 0 && report.Rejected > 0, $"expected both accepted and rejected events: {report}");

        // The rejects file: a header, then one line per rejected item, with the rows it stands for and a reason.
        var lines = File.ReadAllLines(rejects, Encoding.UTF8);
        Assert.Equal("source,line,rows,event_id,reason", lines[0]);
        var items = lines.Skip(1).Select(ParseRejectLine).ToList();
        Assert.Equal(report.Rejected, items.Count);
        Assert.Equal(report.RowsRejected, items.Sum(i => i.Rows));
        Assert.All(items, i =>
        {
            Assert.Matches(@"^\d{4}-\d{2}-\d{2}\.csv$", i.Source);
            Assert.True(i.Line >= 2 && i.Rows >= 1 && i.Reason.Length > 0, $"incomplete reject line: {i}");
        });
        // Rows without a CustomerID are rejected with that reason, never dropped; the 3 "A" bad-debt rows also
        // have none and are rejected as bad debt instead. Together they are the README's 135,080 rows.
        var noCustomer = items.Where(i => i.Reason == "no CustomerID").Sum(i => i.Rows);
        var badDebt = items.Where(i => i.Reason.Contains("bad-debt", StringComparison.Ordinal)).Sum(i => i.Rows);
        Assert.True(noCustomer > 0, "no reject says 'no CustomerID'");
        Assert.Equal(RowsWithoutCustomerId, noCustomer + badDebt);

        var summary = await CliProcess.RunAsync(TimeSpan.FromMinutes(1),
            "rfm-summary", "--as-of", "2011-12-09", "--freq", "D", "--data-dir", dataDir);
        summary.Succeeded();
        var rows = RfmRow.Parse(summary.Stdout);

        // README, published reference result 3 (frequency, recency, T, monetary_value).
        AssertRow((0, 0, 325, 0m), rows["12346"]);
        AssertRow((6, 365, 367, 599.701667m), rows["12347"]);
        AssertRow((3, 283, 358, 301.48m), rows["12348"]);
        AssertRow((0, 0, 18, 0m), rows["12349"]);
        AssertRow((0, 0, 310, 0m), rows["12350"]);
        AssertRow((6, 260, 296, 368.256667m), rows["12352"]);
        AssertRow((0, 0, 204, 0m), rows["12353"]);

        // And every other customer, with the README's preprocessing computed here straight from the files:
        // rows with a CustomerID and Quantity > 0, Sales = Quantity × UnitPrice, the invoice's date.
        ReferenceSummary.AssertMatches(
            ReferenceSummary.Compute(ReadPurchases(folder), new DateTime(2011, 12, 9), "D", 1), rows);
    }

    private static void AssertRow((int Frequency, int Recency, int T, decimal Monetary) expected, RfmRow actual)
    {
        Assert.True(expected.Frequency == actual.Frequency && expected.Recency == actual.Recency && expected.T == actual.T
                    && Math.Abs(expected.Monetary - actual.MonetaryValue) <= 0.000001m,
            $"customer {actual.CustomerId}: expected {expected}, printed {actual}");
    }

    private sealed record RejectLine(string Source, long Line, long Rows, string EventId, string Reason);

    private static RejectLine ParseRejectLine(string line)
    {
        var f = CsvFields(line);
        Assert.True(f.Count == 5, $"expected 5 fields in the reject line '{line}'");
        return new RejectLine(f[0], long.Parse(f[1], CultureInfo.InvariantCulture), long.Parse(f[2], CultureInfo.InvariantCulture), f[3], f[4]);
    }

    private static IEnumerable<ReferenceSummary.Purchase> ReadPurchases(string folder)
    {
        foreach (var file in Directory.GetFiles(folder, "*.csv").Order(StringComparer.Ordinal))
        {
            int invoiceDate = -1, quantity = -1, unitPrice = -1, customer = -1;
            foreach (var line in File.ReadLines(file))
            {
                var f = CsvFields(line);
                if (invoiceDate < 0)
                {
                    (invoiceDate, quantity, unitPrice, customer) =
                        (f.IndexOf("InvoiceDate"), f.IndexOf("Quantity"), f.IndexOf("UnitPrice"), f.IndexOf("CustomerID"));
                    continue;
                }

                var qty = int.Parse(f[quantity], CultureInfo.InvariantCulture);
                if (f[customer].Length == 0 || qty <= 0) continue;
                yield return new ReferenceSummary.Purchase(
                    f[customer].EndsWith(".0", StringComparison.Ordinal) ? f[customer][..^2] : f[customer],
                    DateTime.ParseExact(f[invoiceDate][..10], "yyyy-MM-dd", CultureInfo.InvariantCulture),
                    qty * decimal.Parse(f[unitPrice], NumberStyles.Float, CultureInfo.InvariantCulture));
            }
        }
    }

    /// <summary>RFC 4180 fields of one physical line (the data has no line breaks inside quotes).</summary>
    private static List<string> CsvFields(string line) => [.. TestCsv.Split(line)];
}
