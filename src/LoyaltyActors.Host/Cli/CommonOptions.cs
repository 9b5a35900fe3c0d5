using System.CommandLine;

namespace LoyaltyActors.Host.Cli;

/// <summary>Options several commands share; each command gets its own instance.</summary>
public static class CommonOptions
{
    public static Option<string> DataDir() => new("--data-dir")
    {
        Description = "Data directory of the engine (journal.db inside); must not be in use by a running server",
        DefaultValueFactory = _ => LoyaltyServer.DefaultDataDir,
    };

    public static Option<string?> Config() => new("--config")
    {
        Description = "Settings file (JSON) instead of config/appsettings.json",
    };
}
