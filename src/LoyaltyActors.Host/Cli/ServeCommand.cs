using System.CommandLine;
using LoyaltyActors.Host.Configuration;
using LoyaltyActors.Ingress.Tcp;
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
        Description = "TCP ingress listen address HOST:PORT (NDJSON events in, one ack line per event out); port 0 picks a free port",
        DefaultValueFactory = _ => LoyaltyServer.DefaultTcp,
    };

    public static readonly Option<string?> Config = new("--config")
    {
        Description = "Settings file (JSON) instead of config/appsettings.json; Loyalty__* environment variables still override it",
    };

    public static Command Create(IClock clock)
    {
        var command = new Command("serve", """
            Runs the engine: HTTP API on --http, TCP line protocol on --tcp, journal and models in --data-dir. The HTTP
            address also serves the dashboard (/), Prometheus metrics (/metrics) and the OpenAPI document
            (/openapi/v1.json). Without API keys (Loyalty:Security:ApiKeys) both must be loopback addresses.
            Example: loyalty serve --data-dir ./data --http http://127.0.0.1:5080 --tcp 127.0.0.1:5081
            """)
        {
            DataDir, Http, Tcp, Config,
        };
        command.SetAction((result, ct) => RunAsync(
            new ServeOptions(result.GetValue(DataDir)!, result.GetValue(Http)!, result.GetValue(Config), result.GetValue(Tcp)!), clock, ct));
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

        var tcp = app.Services.GetRequiredService<TcpIngressServer>().LocalEndPoint;
        Console.WriteLine($"loyalty: listening on tcp://{tcp} (TCP)");
        log.LogInformation("Listening on tcp://{Address} (TCP)", tcp);
        Console.Out.Flush();
        if (RuntimeTuning.Advice() is { } advice)
        {
            await Console.Error.WriteLineAsync(advice);
            log.LogWarning("{Advice}", advice);
        }

        await app.WaitForShutdownAsync(cancellationToken);
        return 0;
    }
}
