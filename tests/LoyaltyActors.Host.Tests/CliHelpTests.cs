using Xunit;

namespace LoyaltyActors.Host.Tests;

/// <summary>CONTRACT: every subcommand has <c>--help</c>; exit code 0 on success.</summary>
public sealed class CliHelpTests
{
    [Fact]
    public async Task Root_help_exits_0_and_lists_serve()
    {
        var run = await LoyaltyHostProcess.RunCliAsync(null, "--help");

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("serve", run.Stdout);
        Assert.Contains("Usage:", run.Stdout);
    }

    [Fact]
    public async Task Serve_help_exits_0_and_describes_every_option()
    {
        var run = await LoyaltyHostProcess.RunCliAsync(null, "serve", "--help");

        Assert.True(run.ExitCode == 0, run.ToString());
        foreach (var option in new[] { "--data-dir", "--http", "--tcp", "--config" })
            Assert.Contains(option, run.Stdout);
        Assert.Contains("./data", run.Stdout);
        Assert.Contains("http://127.0.0.1:5080", run.Stdout);
    }

    [Fact]
    public async Task Unknown_option_exits_non_zero_naming_it_on_stderr()
    {
        var run = await LoyaltyHostProcess.RunCliAsync(null, "serve", "--no-such-option");

        Assert.True(run.ExitCode != 0, run.ToString());
        Assert.Contains("--no-such-option", run.Stderr);
    }

    [Fact]
    public async Task Serve_with_a_missing_config_file_exits_non_zero_with_a_one_line_reason()
    {
        var dir = Path.Combine(Path.GetTempPath(), "loyalty-host-tests", Guid.NewGuid().ToString("N"));
        var missing = Path.Combine(dir, "nope.json");
        try
        {
            var run = await LoyaltyHostProcess.RunCliAsync(null, "serve", "--config", missing, "--data-dir", dir);

            Assert.True(run.ExitCode != 0, run.ToString());
            var lines = run.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            Assert.True(lines.Length == 1 && lines[0].StartsWith("loyalty: ", StringComparison.Ordinal) && lines[0].Contains(missing),
                $"expected one line 'loyalty: ...' naming the file on stderr: {run}");
        }
        finally
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        }
    }
}
