using Akka.Hosting;
using Microsoft.Extensions.Configuration;
using Serilog;
using Serilog.Events;
using Serilog.Formatting.Compact;

namespace LoyaltyActors.Host.Operations;

/// <summary>
/// The server's logs: Serilog to the console, one line per event of note. Our own code logs at Information
/// (start and addresses, projection saves, journal failures, webhook outcomes), everything else only from
/// Warning. Messages never carry secrets or personal data (no customer ids, no API keys, no bodies).
/// <c>Loyalty:Logging:Format</c> = <c>text</c> (default, one readable line) or <c>json</c> (compact JSON,
/// one object per line, for log shippers).
/// </summary>
public static class LoyaltyLogging
{
    public const string TextTemplate = "[{Timestamp:HH:mm:ss} {Level:u3}] {SourceContext}: {Message:lj}{NewLine}{Exception}";

    public static Action<IServiceProvider, LoggerConfiguration> Configure(IConfiguration configuration)
    {
        var format = configuration["Loyalty:Logging:Format"] ?? "text";
        if (format is not ("text" or "json"))
            throw new Configuration.ConfigurationException($"Loyalty:Logging:Format must be text or json, not '{format}'");
        return (_, log) =>
        {
            log.MinimumLevel.Warning()
                .MinimumLevel.Override("LoyaltyActors", LogEventLevel.Information)
                .Enrich.FromLogContext();
            if (format == "json") log.WriteTo.Console(new CompactJsonFormatter());
            else log.WriteTo.Console(outputTemplate: TextTemplate, formatProvider: System.Globalization.CultureInfo.InvariantCulture);
        };
    }

    /// <summary>Akka's own log events go through the same pipeline (Microsoft.Extensions.Logging → Serilog).</summary>
    public static void ConfigureAkka(LoggerConfigBuilder loggers)
    {
        loggers.LogLevel = Akka.Event.LogLevel.InfoLevel;
        loggers.ClearLoggers();
        loggers.AddLoggerFactory();
    }
}
