using LoyaltyActors.Ingress.Replay;
using Xunit;

namespace LoyaltyActors.Ingress.Tests.Replay;

public sealed class ReplayFormatsTests
{
    [Theory]
    [InlineData("ndjson", ReplayFormat.Ndjson)]
    [InlineData("cdnow", ReplayFormat.Cdnow)]
    [InlineData("cdnow-sample", ReplayFormat.CdnowSample)]
    [InlineData("online-retail", ReplayFormat.OnlineRetail)]
    [InlineData("baskets", ReplayFormat.Baskets)]
    [InlineData(" Online-Retail ", ReplayFormat.OnlineRetail)]
    public void Parses_the_cli_names(string name, ReplayFormat expected)
    {
        Assert.Equal(expected, ReplayFormats.Parse(name));
        Assert.Equal(name.Trim().ToLowerInvariant(), expected.Name());
    }

    [Theory]
    [InlineData("csv")]
    [InlineData("")]
    [InlineData("cdnow_sample")]
    public void Unknown_names_are_refused_listing_the_valid_ones(string name)
    {
        var e = Assert.Throws<ArgumentException>(() => ReplayFormats.Parse(name));
        Assert.Contains("ndjson, cdnow, cdnow-sample, online-retail, baskets", e.Message);
    }

    [Fact]
    public void Missing_path_is_refused_before_reading()
    {
        Assert.Throws<FileNotFoundException>(() => ReplayReader.Read("/nonexistent/replay.txt", ReplayFormat.Ndjson, Domain.Wire.WireLimits.Default));
        Assert.Throws<FileNotFoundException>(() => ReplayReader.TotalBytes("/nonexistent/replay.txt"));
    }
}
