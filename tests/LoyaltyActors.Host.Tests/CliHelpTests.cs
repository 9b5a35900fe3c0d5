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

/// <summary>Every command explains itself with an example, found from the root help (new commands are checked too).</summary>
public sealed class CliHelpExampleTests(Xunit.Abstractions.ITestOutputHelper output)
{
    [Fact]
    public async Task Root_and_every_subcommand_help_show_an_example_of_that_command()
    {
        var root = await LoyaltyHostProcess.RunCliAsync(null, "--help");
        Assert.True(root.ExitCode == 0, root.ToString());
        Assert.Contains(ExampleLines(root.Stdout), l => l.StartsWith("Example: loyalty ", StringComparison.Ordinal));

        var commands = CommandNames(root.Stdout);
        output.WriteLine("commands: " + string.Join(", ", commands));
        // The contract's commands (bench arrives with the performance issue) must all be listed.
        foreach (var required in new[] { "serve", "replay", "rfm-summary", "customer", "segments", "rules", "rebuild" })
            Assert.Contains(required, commands);

        foreach (var command in commands)
        {
            var help = await LoyaltyHostProcess.RunCliAsync(null, command, "--help");
            Assert.True(help.ExitCode == 0, $"loyalty {command} --help: {help}");
            Assert.Contains("Usage:", help.Stdout);
            var examples = ExampleLines(help.Stdout);
            Assert.True(examples.Any(l => l.StartsWith($"Example: loyalty {command}", StringComparison.Ordinal)),
                $"loyalty {command} --help shows no line 'Example: loyalty {command} ...':\n{help.Stdout}");
        }
    }

    private static List<string> ExampleLines(string help) =>
        help.Split('\n').Select(l => l.Trim()).Where(l => l.StartsWith("Example:", StringComparison.Ordinal)).ToList();

    /// <summary>The names under "Commands:": lines indented by exactly two spaces (wrapped descriptions are indented further).</summary>
    private static List<string> CommandNames(string help)
    {
        var lines = help.Split('\n').Select(l => l.TrimEnd('\r')).ToList();
        var start = lines.FindIndex(l => l.Trim() == "Commands:");
        Assert.True(start >= 0, "the root help has no Commands: section:\n" + help);
        var names = new List<string>();
        foreach (var line in lines.Skip(start + 1))
        {
            if (line.Trim().Length == 0) break;
            if (line.Length > 2 && line.StartsWith("  ", StringComparison.Ordinal) && line[2] != ' ')
                names.Add(line.Trim().Split(' ')[0]);
        }

        return names;
    }
}
