using Akka.Hosting;
using Microsoft.Extensions.Configuration;
using Serilog;
using Serilog.Core;
using Serilog.Events;
using Serilog.Formatting.Compact;

namespace LoyaltyActors.Host.Operations;

/// <summary>
/// The server's logs: Serilog to the console, one line per event of note. Our own code logs at Information
/// (start and addresses, projection saves, journal failures, webhook outcomes); ASP.NET Core and Akka's
/// internals only from Warning. Messages never carry secrets or personal data (no customer ids, no API keys, no bodies).
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
            log.MinimumLevel.Information()
                .MinimumLevel.Override("Microsoft", LogEventLevel.Warning)
                .MinimumLevel.Override("System", LogEventLevel.Warning)
                .Filter.ByExcluding(IsAkkaChatter)
                .Enrich.FromLogContext()
                .Enrich.With(new AkkaSourceEnricher());
            if (format == "json") log.WriteTo.Console(new CompactJsonFormatter());
            else log.WriteTo.Console(outputTemplate: TextTemplate, formatProvider: System.Globalization.CultureInfo.InvariantCulture);
        };
    }

    /// <summary>
    /// Akka's events all arrive under one category (<c>Akka.Actor.ActorSystem</c>) with the actor in <c>LogSource</c>;
    /// below Warning only those of our own actors (under <c>akka://loyalty/user/</c>, e.g. projection saves) are kept.
    /// </summary>
    private static bool IsAkkaChatter(LogEvent e) =>
        e.Level < LogEventLevel.Warning
        && e.Properties.TryGetValue(AkkaLogSource, out var source)
        && !(source is ScalarValue { Value: string s } && s.StartsWith("akka://" + LoyaltyActors.Actors.Hosting.LoyaltyActorsHosting.SystemName + "/user/", StringComparison.Ordinal));

    private const string AkkaLogSource = "LogSource";

    /// <summary>
    /// Names an Akka event by the actor that logged it rather than by Akka's one category, with the customer id of a
    /// customer actor's path masked (<c>akka://loyalty/user/customers/*</c>): actor names are customer ids.
    /// </summary>
    private sealed class AkkaSourceEnricher : ILogEventEnricher
    {
        public void Enrich(LogEvent logEvent, ILogEventPropertyFactory propertyFactory)
        {
            foreach (var name in new[] { "ActorPath", AkkaLogSource })
            {
                if (logEvent.Properties.TryGetValue(name, out var value) && value is ScalarValue { Value: var raw } && raw is not null)
                    logEvent.AddOrUpdateProperty(new LogEventProperty(name, new ScalarValue(MaskCustomer(raw.ToString()!))));
            }

            if (logEvent.Properties.TryGetValue(AkkaLogSource, out var source))
                logEvent.AddOrUpdateProperty(new LogEventProperty("SourceContext", source));
        }
    }

    /// <summary><c>akka://loyalty/user/customers/C-1001/x</c> → <c>akka://loyalty/user/customers/*/x</c>.</summary>
    public static string MaskCustomer(string actorPath) =>
        System.Text.RegularExpressions.Regex.Replace(actorPath, "(/user/customers/)[^/#]+", "$1*");

    /// <summary>Akka's own log events go through the same pipeline (Microsoft.Extensions.Logging → Serilog).</summary>
    public static void ConfigureAkka(LoggerConfigBuilder loggers)
    {
        loggers.LogLevel = Akka.Event.LogLevel.InfoLevel;
        loggers.ClearLoggers();
        loggers.AddLoggerFactory();
    }
}
