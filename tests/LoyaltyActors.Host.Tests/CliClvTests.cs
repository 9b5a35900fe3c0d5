using System.Globalization;
using System.Text.Json;
using LoyaltyActors.Tests;
using Xunit;
using Xunit.Abstractions;

namespace LoyaltyActors.Host.Tests;

/// <summary>
/// <c>loyalty clv-fit</c> and the CLV figures of <c>loyalty customer</c> after an offline replay of CDNOW_sample, against the
/// parameters lifetimes publishes (data/cdnow-lifetimes/README.md, reference result 3) and formulas restated here.
/// </summary>
public sealed class CliClvTests(CdnowSampleReplay replay, ITestOutputHelper output) : IClassFixture<CdnowSampleReplay>
{
    private const string SampleFile = "cdnow-lifetimes/CDNOW_sample.txt";

    private static void Within(double published, double actual, string name) =>
        Assert.True(Math.Abs(actual - published) <= 0.005 * Math.Abs(published),
            $"{name}: fitted {actual.ToString("R", CultureInfo.InvariantCulture)}, published {published} (allowed ±0.5 %)");

    [SkippableFact]
    public async Task Clv_fit_after_replay_reproduces_the_published_CDNOW_parameters_stores_versions_and_profiles_use_the_latest()
    {
        var sample = TestData.Require(SampleFile);
        ReplayReport.Of(await replay.FirstReplayAsync(sample));

        var noModel = JsonDocument.Parse((await Cli("customer", "0001", "--as-of", "1997-09-30")).Succeeded().Stdout).RootElement;
        Assert.Equal(JsonValueKind.Null, noModel.GetProperty("p_alive").ValueKind);
        Assert.Equal(JsonValueKind.Null, noModel.GetProperty("expected_value").ValueKind);

        var first = await Cli("clv-fit", "--as-of", "1997-09-30", "--freq", "D", "--freq-multiplier", "7");
        output.WriteLine(first.ToString());
        var fit = JsonDocument.Parse(first.Succeeded().Stdout).RootElement;
        var bg = fit.GetProperty("bgnbd");
        var gg = fit.GetProperty("gamma_gamma");
        Within(0.242593, bg.GetProperty("r").GetDouble(), "r");
        Within(4.413532, bg.GetProperty("alpha").GetDouble(), "alpha");
        Within(0.792886, bg.GetProperty("a").GetDouble(), "a");
        Within(2.425752, bg.GetProperty("b").GetDouble(), "b");
        Within(-9582.4, bg.GetProperty("log_likelihood").GetDouble(), "log_likelihood");
        Within(6.25, gg.GetProperty("p").GetDouble(), "p");
        Within(3.74, gg.GetProperty("q").GetDouble(), "q");
        Within(15.45, gg.GetProperty("v").GetDouble(), "v");
        Assert.Equal(946, gg.GetProperty("repeaters").GetInt32());
        Assert.Equal(1, fit.GetProperty("version").GetInt32());

        // A second fit (another calibration end) is a new version, and profiles use it.
        var second = JsonDocument.Parse((await Cli("clv-fit", "--as-of", "1997-12-31", "--freq", "D", "--freq-multiplier", "7")).Succeeded().Stdout).RootElement;
        Assert.Equal(2, second.GetProperty("version").GetInt32());
        var p = second.GetProperty("bgnbd");
        var (r, alpha, a, b) = (p.GetProperty("r").GetDouble(), p.GetProperty("alpha").GetDouble(), p.GetProperty("a").GetDouble(), p.GetProperty("b").GetDouble());
        var g = second.GetProperty("gamma_gamma");
        var (gp, gq, gv) = (g.GetProperty("p").GetDouble(), g.GetProperty("q").GetDouble(), g.GetProperty("v").GetDouble());

        // Customer 0006 (7 repeat purchases by 1997-09-30) as of 1998-03-01: P(alive) and E[spend] restated from the papers.
        var summary = RfmRow.Parse((await Cli("rfm-summary", "--as-of", "1998-03-01", "--freq", "D", "--freq-multiplier", "7")).Succeeded().Stdout)["0006"];
        var profile = JsonDocument.Parse((await Cli("customer", "0006", "--as-of", "1998-03-01")).Succeeded().Stdout).RootElement;
        Assert.Equal(2, profile.GetProperty("clv_model_version").GetInt32());
        var (x, tx, T) = (summary.Frequency, (double)summary.Recency, (double)summary.T);
        Assert.True(x > 0);
        var pAlive = 1 / (1 + a / (b + x - 1) * Math.Pow((alpha + T) / (alpha + tx), r + x));
        Assert.Equal(pAlive, profile.GetProperty("p_alive").GetDouble(), 1e-6);
        var spend = gp * (gv + x * (double)summary.MonetaryValue) / (gp * x + gq - 1);
        var purchases = profile.GetProperty("expected_purchases").GetDouble();
        Assert.InRange(purchases, 0.01, 52);
        Assert.Equal(purchases * spend, profile.GetProperty("expected_value").GetDouble(), 1e-6);
        Assert.Equal(52 * 7, profile.GetProperty("clv_horizon_days").GetDouble());
    }

    [Fact]
    public async Task Clv_fit_names_the_bad_option()
    {
        using var scratch = new CliScratch();
        var line = (await LoyaltyHostProcess.RunCliAsync(null, "clv-fit", "--as-of", "30/09/1997", "--data-dir", scratch.Path("data"))).FailedWithOneLine();
        Assert.Contains("--as-of", line);
        line = (await LoyaltyHostProcess.RunCliAsync(null, "clv-fit", "--as-of", "1997-09-30", "--freq", "M", "--data-dir", scratch.Path("data"))).FailedWithOneLine();
        Assert.Contains("--freq", line);
    }

    private Task<CliRun> Cli(params string[] args) =>
        LoyaltyHostProcess.RunCliAsync(CliProcess.Patient, [.. args, "--data-dir", replay.DataDir]);
}
