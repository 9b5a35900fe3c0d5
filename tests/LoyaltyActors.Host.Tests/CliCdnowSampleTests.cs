using System.Globalization;
using LoyaltyActors.Tests;
using Xunit;
using Xunit.Abstractions;

namespace LoyaltyActors.Host.Tests;

/// <summary>
/// One offline replay of <c>CDNOW_sample.txt</c> into a scratch data dir, shared by the tests of
/// <see cref="CliCdnowSampleTests"/> (they run one after another, so the data dir's lock never collides).
/// The replay happens on first use, after the test has checked that the data set exists.
/// </summary>
public sealed class CdnowSampleReplay : IDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private CliRun? _first;

    public CliScratch Scratch { get; } = new();

    public string DataDir => Scratch.Path("data");

    /// <summary>The first replay of <paramref name="sample"/> into <see cref="DataDir"/>.</summary>
    public async Task<CliRun> FirstReplayAsync(string sample)
    {
        await _gate.WaitAsync();
        try
        {
            return _first ??= await LoyaltyHostProcess.RunCliAsync(CliProcess.Patient,
                "replay", sample, "--format", "cdnow-sample", "--data-dir", DataDir);
        }
        finally
        {
            _gate.Release();
        }
    }

    public void Dispose()
    {
        Scratch.Dispose();
        _gate.Dispose();
    }
}

/// <summary>
/// CONTRACT <c>loyalty replay --format cdnow-sample</c> and <c>loyalty rfm-summary</c> through the real CLI,
/// against the figures lifetimes publishes for <c>CDNOW_sample.txt</c> (data/cdnow-lifetimes/README.md)
/// and against an independent computation of DESIGN.md §3 from the file itself.
/// </summary>
public sealed class CliCdnowSampleTests(CdnowSampleReplay replay, ITestOutputHelper output) : IClassFixture<CdnowSampleReplay>
{
    private const string SampleFile = "cdnow-lifetimes/CDNOW_sample.txt";
    private const int SampleRows = 6919;

    [SkippableFact]
    public async Task Replay_of_the_sample_then_rfm_summary_gives_the_published_lifetimes_figures_and_a_second_replay_changes_nothing()
    {
        var sample = TestData.Require(SampleFile);

        var first = await replay.FirstReplayAsync(sample);
        output.WriteLine(first.ToString());
        Assert.Equal(new ReplayReport(SampleRows, SampleRows, 0, 0, SampleRows, SampleRows, 0, 0), ReplayReport.Of(first));

        var before = replay.Scratch.Path("summary-1.csv");
        (await RfmSummaryAsync(before, "1997-09-30", "D", "7")).Succeeded();
        var rows = RfmRow.Parse(await File.ReadAllTextAsync(before));

        // data/cdnow-lifetimes/README.md, reference results 1 and 2 (22.345 prints as 22.35: half away from zero).
        Assert.Equal((2, 30.43m, 38.86m, 22.35m), rows["0001"].Rounded2);
        Assert.Equal((1, 1.71m, 38.86m, 11.77m), rows["0002"].Rounded2);
        Assert.Equal((0, 0m, 38.86m, 0m), rows["0003"].Rounded2);
        Assert.Equal((7, 29.43m, 38.86m, 73.74m), rows["0006"].Rounded2);
        Assert.Equal(22.345m, rows["0001"].MonetaryValue);
        Assert.Equal(2357, rows.Count);
        Assert.Equal(2457, rows.Values.Sum(r => r.Frequency));
        Assert.Equal(946, rows.Values.Count(r => r.Frequency > 0));
        // lifetimes test_summary_statistics_are_indentical_to_hardies_paper: monetary_value of the repeaters.
        var monetary = rows.Values.Where(r => r.Frequency > 0).Select(r => r.MonetaryValue).Order().ToList();
        Assert.Equal(35.078m, decimal.Round(monetary.Average(), 3));
        Assert.Equal(2.99m, decimal.Round(monetary[0], 2));
        Assert.Equal(299.634m, decimal.Round(monetary[^1], 3));
        Assert.Equal(27.4975m, decimal.Round((monetary[472] + monetary[473]) / 2, 4));

        var second = await LoyaltyHostProcess.RunCliAsync(CliProcess.Patient,
            "replay", sample, "--format", "cdnow-sample", "--data-dir", replay.DataDir);
        output.WriteLine(second.ToString());
        Assert.Equal(new ReplayReport(SampleRows, 0, SampleRows, 0, SampleRows, 0, SampleRows, 0), ReplayReport.Of(second));

        var after = replay.Scratch.Path("summary-2.csv");
        (await RfmSummaryAsync(after, "1997-09-30", "D", "7")).Succeeded();
        var bytesBefore = await File.ReadAllBytesAsync(before);
        var bytesAfter = await File.ReadAllBytesAsync(after);
        Assert.True(bytesBefore.AsSpan().SequenceEqual(bytesAfter), "the rfm-summary after the second replay differs from the one after the first");
    }

    /// <summary>
    /// The whole CSV against DESIGN.md §3 computed here from the file: weeks with an end in mid-week (a
    /// purchase later in the end's week still counts), days at an odd multiplier, an end before some
    /// customers' first purchase (they are left out), and an end after the last purchase.
    /// </summary>
    [SkippableTheory]
    [InlineData("W", "1", "1998-03-11")]
    [InlineData("D", "7", "1997-09-30")]
    [InlineData("D", "3.5", "1997-02-15")]
    [InlineData("W", "4", "1998-07-05")]
    public async Task Rfm_summary_equals_the_lifetimes_summary_computed_independently_from_the_file(string freq, string multiplier, string asOf)
    {
        var sample = TestData.Require(SampleFile);
        ReplayReport.Of(await replay.FirstReplayAsync(sample));

        var run = await RfmSummaryAsync(null, asOf, freq, multiplier);
        run.Succeeded();

        var expected = ReferenceSummary.Compute(ReadSample(sample),
            DateTime.ParseExact(asOf, "yyyy-MM-dd", CultureInfo.InvariantCulture), freq, double.Parse(multiplier, CultureInfo.InvariantCulture));
        Assert.True(expected.Values.Any(r => r.Frequency > 0), "the reference has no repeat customer: the case is too weak");
        ReferenceSummary.AssertMatches(expected, RfmRow.Parse(run.Stdout));
    }

    private Task<CliRun> RfmSummaryAsync(string? outFile, string asOf, string freq, string multiplier)
    {
        string[] args = ["rfm-summary", "--as-of", asOf, "--freq", freq, "--freq-multiplier", multiplier, "--data-dir", replay.DataDir];
        return LoyaltyHostProcess.RunCliAsync(null, outFile is null ? args : [.. args, "--out", outFile]);
    }

    /// <summary>CDNOW_sample.txt: master_id sample_id yyyymmdd cds dollars; the key is the sample id.</summary>
    private static IEnumerable<ReferenceSummary.Purchase> ReadSample(string path) =>
        File.ReadLines(path)
            .Where(l => !string.IsNullOrWhiteSpace(l))
            .Select(l => l.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries))
            .Select(f => new ReferenceSummary.Purchase(f[1],
                DateTime.ParseExact(f[2], "yyyyMMdd", CultureInfo.InvariantCulture),
                decimal.Parse(f[4], CultureInfo.InvariantCulture)));
}
