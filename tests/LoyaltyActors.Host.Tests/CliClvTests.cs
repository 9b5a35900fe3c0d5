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

    /// <summary>
    /// fit-loyalty on calibration to 1997-09-30 and holdout to 1998-06-30: labels and L1/L2 recomputed here from the file,
    /// both AUCs recomputed pairwise, the weights a maximum of the likelihood, and the written fragment accepted by --config.
    /// </summary>
    [SkippableFact]
    public async Task Fit_loyalty_reports_weights_that_maximise_the_likelihood_and_both_AUCs_and_writes_a_config_the_engine_uses()
    {
        var sample = TestData.Require(SampleFile);
        ReplayReport.Of(await replay.FirstReplayAsync(sample));
        var scoresPath = replay.Scratch.Path("scores.csv");
        var configPath = replay.Scratch.Path("fitted.json");

        var run = await Cli("fit-loyalty", "--calibration-end", "1997-09-30", "--holdout-end", "1998-06-30", "--scores", scoresPath, "--write", configPath);
        output.WriteLine(run.ToString());
        var report = JsonDocument.Parse(run.Succeeded().Stdout).RootElement;

        // Independent labels and features from the file: rows up to 1997-09-30 give orders and spend, a row in the holdout is a return visit.
        var rows = File.ReadLines(sample).Where(l => !string.IsNullOrWhiteSpace(l))
            .Select(l => l.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries))
            .Select(f => (Id: f[1], Day: DateTime.ParseExact(f[2], "yyyyMMdd", CultureInfo.InvariantCulture), Dollars: double.Parse(f[4], CultureInfo.InvariantCulture)))
            .ToList();
        var calEnd = new DateTime(1997, 9, 30);
        var holdEnd = new DateTime(1998, 6, 30);
        var expected = rows.Where(r => r.Day <= calEnd).GroupBy(r => r.Id).ToDictionary(g => g.Key, g => (
            L1: g.Count() / 5.0, L2: g.Sum(r => r.Dollars) / 500.0,
            Label: rows.Any(r => r.Id == g.Key && r.Day > calEnd && r.Day <= holdEnd)));

        var scored = File.ReadLines(scoresPath).Skip(1).Select(l => l.Split(',')).ToDictionary(f => f[0], f => (
            Label: f[1] == "1", L1: double.Parse(f[2], CultureInfo.InvariantCulture), L2: double.Parse(f[3], CultureInfo.InvariantCulture),
            L3: double.Parse(f[4], CultureInfo.InvariantCulture), Loyalty: double.Parse(f[5], CultureInfo.InvariantCulture),
            BgNbd: double.Parse(f[6], CultureInfo.InvariantCulture)));
        Assert.Equal(expected.Count, scored.Count);
        Assert.Equal(expected.Count, report.GetProperty("customers").GetInt32());
        foreach (var (id, e) in expected)
        {
            Assert.Equal(e.Label, scored[id].Label);
            Assert.Equal(e.L1, scored[id].L1, 1e-9);
            Assert.Equal(e.L2, scored[id].L2, 1e-9);
        }

        var labels = scored.Values.Select(s => s.Label).ToList();
        var auc = report.GetProperty("auc");
        var fittedAuc = PairwiseAuc(scored.Values.Select(s => s.Loyalty).ToList(), labels);
        var bgnbdAuc = PairwiseAuc(scored.Values.Select(s => s.BgNbd).ToList(), labels);
        output.WriteLine($"AUC fitted sigmoid {fittedAuc:F4}, BG/NBD expected purchases {bgnbdAuc:F4}");
        Assert.Equal(fittedAuc, auc.GetProperty("fitted_loyalty").GetDouble(), 1e-9);
        Assert.Equal(bgnbdAuc, auc.GetProperty("bgnbd_expected_purchases").GetDouble(), 1e-9);
        Assert.InRange(bgnbdAuc, 0.6, 1.0);
        Assert.InRange(fittedAuc, 0.6, 1.0);

        // The issue's bar: the fitted sigmoid within 0.02 of BG/NBD's AUC on the same customers, or better.
        Assert.True(fittedAuc >= bgnbdAuc - 0.02, $"fitted {fittedAuc:F4} vs BG/NBD {bgnbdAuc:F4}");

        // The weights maximise Σ ln P(label) with a, b, c ≥ 0: moving a, b or the bias by ±0.01 lowers it, except below 0
        // for a weight held at 0 (c is 0 anyway: variety is 1 CD category for all).
        var w = report.GetProperty("weights");
        var (a, b, c, bias) = (w.GetProperty("a").GetDouble(), w.GetProperty("b").GetDouble(), w.GetProperty("c").GetDouble(), w.GetProperty("bias").GetDouble());
        Assert.Equal(0, c);
        double Ll(double da, double db, double dbias) => scored.Values.Sum(s =>
        {
            var p = 1 / (1 + Math.Exp(-((a + da) * s.L1 + (b + db) * s.L2 + (bias + dbias))));
            return Math.Log(s.Label ? p : 1 - p);
        });
        var best = Ll(0, 0, 0);
        foreach (var d in new[] { -0.01, 0.01 })
        {
            if (a + d >= 0) Assert.True(Ll(d, 0, 0) < best);
            if (b + d >= 0) Assert.True(Ll(0, d, 0) < best);
            Assert.True(Ll(0, 0, d) < best);
        }

        Assert.True(a >= 0 && b >= 0, $"a {a}, b {b}");

        // The written fragment is a config file: the profile's loyalty then uses the fitted weights.
        var profile = JsonDocument.Parse((await Cli("customer", "0006", "--as-of", "1997-09-30", "--config", configPath)).Succeeded().Stdout).RootElement;
        var f6 = expected["0006"];
        Assert.Equal(1 / (1 + Math.Exp(-(a * f6.L1 + b * f6.L2 + c * 0.2 + bias))), profile.GetProperty("loyalty").GetDouble(), 1e-9);
    }

    /// <summary>P(score of a positive &gt; score of a negative), ties ½, over every pair.</summary>
    private static double PairwiseAuc(IReadOnlyList<double> scores, IReadOnlyList<bool> labels)
    {
        var positives = scores.Where((_, i) => labels[i]).ToArray();
        var negatives = scores.Where((_, i) => !labels[i]).ToArray();
        double wins = 0;
        foreach (var p in positives)
            foreach (var n in negatives)
                wins += p > n ? 1 : p == n ? 0.5 : 0;
        return wins / ((double)positives.Length * negatives.Length);
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
