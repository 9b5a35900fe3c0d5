using LoyaltyActors.Domain.Clv;
using LoyaltyActors.Domain.Customers;
using LoyaltyActors.Domain.Tests.Support;
using Xunit;

namespace LoyaltyActors.Domain.Tests.Clv;

/// <summary>
/// The fits against the figures lifetimes publishes for CDNOW_sample (calibration end 1997-09-30, freq D,
/// multiplier 7): BG/NBD r 0.242593, α 4.413532, a 0.792886, b 2.425752 (log-likelihood −9582.43) and
/// Gamma-Gamma p 6.25, q 3.74, v 15.45 on the 946 repeaters. Summaries come from the brute-force test oracle.
/// </summary>
public sealed class CdnowClvFitTests
{
    internal static IReadOnlyList<LifetimesSummary> CalibrationSummaries() =>
        CdnowSample.Rows()
            .GroupBy(r => r.SampleId)
            .Select(g => LifetimesOracle.Summarise(g.Select(r => new TimedPurchase(r.Date, r.Dollars)),
                new DateTime(1997, 9, 30, 0, 0, 0, DateTimeKind.Utc), SummaryFrequency.Day, 7))
            .Where(s => s is not null)
            .Select(s => s!.Value)
            .ToList();

    private static void Within(double published, double actual, double relative, string name) =>
        Assert.True(Math.Abs(actual - published) <= relative * Math.Abs(published),
            $"{name}: fitted {actual:R}, published {published} (allowed ±{relative:P1})");

    [SkippableFact]
    public void BgNbd_fit_reproduces_the_published_CDNOW_parameters()
    {
        var summaries = CalibrationSummaries();
        Assert.Equal(2357, summaries.Count);

        var fit = BgNbd.Fit(summaries);

        Within(0.242593, fit.Parameters.R, 0.005, "r");
        Within(4.413532, fit.Parameters.Alpha, 0.005, "alpha");
        Within(0.792886, fit.Parameters.A, 0.005, "a");
        Within(2.425752, fit.Parameters.B, 0.005, "b");
        Within(-9582.4, fit.LogLikelihood, 0.005, "log_likelihood");
        Assert.True(fit.Converged);
    }

    [SkippableFact]
    public void BgNbd_fit_is_a_maximum_of_the_likelihood()
    {
        var summaries = CalibrationSummaries();
        var fit = BgNbd.Fit(summaries);
        var p = fit.Parameters;
        // Moving any parameter by ±1 % lowers the likelihood.
        foreach (var factor in new[] { 0.99, 1.01 })
        {
            Assert.True(BgNbd.LogLikelihood(p with { R = p.R * factor }, summaries) < fit.LogLikelihood);
            Assert.True(BgNbd.LogLikelihood(p with { Alpha = p.Alpha * factor }, summaries) < fit.LogLikelihood);
            Assert.True(BgNbd.LogLikelihood(p with { A = p.A * factor }, summaries) < fit.LogLikelihood);
            Assert.True(BgNbd.LogLikelihood(p with { B = p.B * factor }, summaries) < fit.LogLikelihood);
        }
    }

    [SkippableFact]
    public void GammaGamma_fit_on_the_946_repeaters_reproduces_the_published_parameters()
    {
        var summaries = CalibrationSummaries();

        var fit = GammaGamma.Fit(summaries.Select(s => (s.Frequency, (double)s.MonetaryValue)));

        Assert.Equal(946, fit.Repeaters);
        Within(6.25, fit.Parameters.P, 0.005, "p");
        Within(3.74, fit.Parameters.Q, 0.005, "q");
        Within(15.45, fit.Parameters.V, 0.005, "v");
    }
}
