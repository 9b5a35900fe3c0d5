using System.CommandLine;
using LoyaltyActors.Host;
using LoyaltyActors.Host.Cli;
using LoyaltyActors.Host.Configuration;

// The only wall clock of the process; everything else gets it handed in.
var clock = NodaTime.SystemClock.Instance;
var root = new RootCommand("""
    LoyaltyActors: a real-time customer-loyalty engine.
    With no subcommand, runs `serve` with its defaults; then open http://127.0.0.1:5080/ for the dashboard.
    `loyalty COMMAND --help` explains each command with an example.
    Example: loyalty serve --data-dir ./data
    """);
root.Subcommands.Add(ServeCommand.Create(clock));
root.Subcommands.Add(CustomerCommand.Create(clock));
root.Subcommands.Add(RfmSummaryCommand.Create(clock));
root.Subcommands.Add(ReplayCommand.Create(clock));
root.Subcommands.Add(RebuildCommand.Create(clock));
root.Subcommands.Add(SegmentsCommand.Create(clock));
root.Subcommands.Add(RulesCommand.Create(clock));
root.Subcommands.Add(LoyaltyActors.Host.Bench.BenchCommand.Create(clock));
root.Subcommands.Add(NotificationsCommand.Create(clock));
root.Subcommands.Add(ClvFitCommand.Create(clock));
root.Subcommands.Add(FitLoyaltyCommand.Create(clock));
root.Subcommands.Add(WhatIfCommand.Create(clock));


// `loyalty` alone (or with only serve's options) means `loyalty serve`.
LoyaltyActors.Host.AllocProfile.StartIfAsked();
if (args.Length == 0 || (args[0].StartsWith('-') && args[0] is not ("-h" or "--help" or "-?" or "--version")))
    args = ["serve", .. args];

try
{
    return await root.Parse(args).InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
}
catch (Exception ex) when (ex is DataDirInUseException or ConfigurationException)
{
    Console.Error.WriteLine("loyalty: " + ex.Message);
    return 2;
}
catch (OperationCanceledException)
{
    Console.Error.WriteLine("loyalty: canceled");
    return 130;
}
catch (Exception ex)
{
    // One line for people and scripts; the full trace only when asked for.
    Console.Error.WriteLine($"loyalty: {ex.GetType().Name}: {ex.Message}");
    if (Environment.GetEnvironmentVariable("LOYALTY_DEBUG") is "1" or "true") Console.Error.WriteLine(ex);
    return 1;
}
