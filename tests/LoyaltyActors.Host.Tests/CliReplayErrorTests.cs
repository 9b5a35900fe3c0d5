using Xunit;
using Xunit.Abstractions;

namespace LoyaltyActors.Host.Tests;

/// <summary>
/// CONTRACT: a failing command exits non-zero with a one-line reason on stderr. (The refusal of a data dir
/// held by a server is in <see cref="CliReplayToServerTests"/>, which has a server running.)
/// </summary>
public sealed class CliReplayErrorTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Replay_of_a_missing_path_exits_non_zero_with_one_line_naming_it_and_touches_no_data_dir()
    {
        using var scratch = new CliScratch();
        var missing = scratch.Path("no-such-events.ndjson");
        var dataDir = scratch.Path("data");

        var run = await LoyaltyHostProcess.RunCliAsync(null, "replay", missing, "--data-dir", dataDir);
        output.WriteLine(run.ToString());

        Assert.Contains(missing, run.FailedWithOneLine(), StringComparison.Ordinal);
        Assert.False(Directory.Exists(dataDir), "a replay that cannot read its input should not create the data dir");
    }

    [Fact]
    public async Task Replay_with_an_unknown_format_exits_non_zero_with_one_line_naming_it_and_the_valid_ones()
    {
        using var scratch = new CliScratch();
        var input = scratch.Path("events.ndjson");
        await File.WriteAllTextAsync(input, "");
        var dataDir = scratch.Path("data");

        var run = await LoyaltyHostProcess.RunCliAsync(null, "replay", input, "--format", "parquet", "--data-dir", dataDir);
        output.WriteLine(run.ToString());

        var line = run.FailedWithOneLine();
        Assert.Contains("--format", line, StringComparison.Ordinal);
        Assert.Contains("parquet", line, StringComparison.Ordinal);
        foreach (var format in new[] { "ndjson", "cdnow", "cdnow-sample", "online-retail", "baskets" })
            Assert.Contains(format, line, StringComparison.Ordinal);
        Assert.False(Directory.Exists(dataDir), "a replay with a bad format should not create the data dir");
    }
}
