using System.CommandLine;
using LoyaltyActors.Host.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using NodaTime;

namespace LoyaltyActors.Host.Cli;

public static class ServeCommand
{
    public static readonly Option<string> DataDir = new("--data-dir")
    {
        Description = "Directory holding the journal (journal.db) and models; created if missing",
        DefaultValueFactory = _ => LoyaltyServer.DefaultDataDir,
    };

    public static readonly Option<string> Http = new("--http")
    {
        Description = "HTTP listen URL",
        DefaultValueFactory = _ => LoyaltyServer.DefaultHttp,
    };

    public static readonly Option<string> Tcp = new("--tcp")
    {
        Description = "TCP NDJSON listen address HOST:PORT (reserved; the TCP ingress is not built yet)",
        DefaultValueFactory = _ => "127.0.0.1:5081",
    };

    public static readonly Option<string?> Config = new("--config")
    {
        Description = "Settings file (JSON) instead of config/appsettings.json; Loyalty__* environment variables still override it",
    };

    public static Command Create(IClock clock)
    {
        var command = new Command("serve", """
            Runs the engine: HTTP API on --http, journal and models in --data-dir. The same address serves the
            dashboard (/), Prometheus metrics (/metrics) and the OpenAPI document (/openapi/v1.json).
            Example: loyalty serve --data-dir ./data --http http://127.0.0.1:5080
            """)
        {
            DataDir, Http, Tcp, Config,
        };
        command.SetAction((result, ct) => RunAsync(
            new ServeOptions(result.GetValue(DataDir)!, result.GetValue(Http)!, result.GetValue(Config)), clock, ct));
        return command;
    }

    public static async Task<int> RunAsync(ServeOptions options, IClock clock, CancellationToken cancellationToken)
    {
        using var dataLock = DataDirLock.Acquire(options.DataDir);
        var configuration = ConfigLoader.Load(options.ConfigFile);
        await using var app = LoyaltyServer.Build(options, configuration, clock);
        await app.StartAsync(cancellationToken);
        var log = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("LoyaltyActors.Host.Serve");
        foreach (var url in app.Urls)
        {
            Console.WriteLine($"loyalty: listening on {url} (HTTP), data dir {Path.GetFullPath(options.DataDir)}");
            log.LogInformation("Listening on {Address} (HTTP), data dir {DataDir}", url, Path.GetFullPath(options.DataDir));
        }

        Console.Out.Flush();
        await app.WaitForShutdownAsync(cancellationToken);
        return 0;
    }
}
