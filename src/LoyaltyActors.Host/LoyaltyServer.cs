using Akka.Hosting;
using LoyaltyActors.Actors.Hosting;
using LoyaltyActors.Host.Configuration;
using LoyaltyActors.Ingress;
using LoyaltyActors.Ingress.Http;
using LoyaltyActors.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using NodaTime;

namespace LoyaltyActors.Host;

/// <summary>What <c>loyalty serve</c> was asked for.</summary>
public sealed record ServeOptions(string DataDir, string HttpUrl, string? ConfigFile);

/// <summary>The composition root of the server: configuration, actor system, HTTP.</summary>
public static class LoyaltyServer
{
    public const string DefaultHttp = "http://127.0.0.1:5080";
    public const string DefaultDataDir = "./data";

    /// <summary>Builds (does not start) the web application. The caller owns <paramref name="dataLock"/>.</summary>
    public static WebApplication Build(ServeOptions serve, IConfiguration configuration, IClock clock)
    {
        var config = ConfigLoader.Bind(configuration);
        var actorOptions = config.ToActorsOptions(serve.DataDir, clock);
        var ingress = config.ToIngressOptions();

        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            Args = [],
            ContentRootPath = AppContext.BaseDirectory,
        });
        builder.Configuration.AddConfiguration(configuration);
        builder.WebHost.UseUrls(serve.HttpUrl);
        // Kestrel's own cap sits above ours so that a moderate overshoot is answered 413 by the endpoint
        // (which names the limit) rather than by a reset connection.
        builder.WebHost.ConfigureKestrel(k => k.Limits.MaxRequestBodySize = ingress.MaxBodyBytes + 64L * 1024);
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o => o.SingleLine = true);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Logging.AddFilter("LoyaltyActors", LogLevel.Information);

        builder.Services.ConfigureHttpJsonOptions(o => LoyaltyJson.Configure(o.SerializerOptions));
        builder.Services.AddSingleton(clock);
        builder.Services.AddSingleton(ingress);
        builder.Services.AddSingleton(actorOptions.Customers); // scoring settings and population for GET /v1/customers/{id}/explain
        builder.Services.AddSingleton(_ => new ModelStore(Path.Combine(serve.DataDir, "models.db")));
        var clvHorizon = config.ClvHorizonPeriods();
        builder.Services.AddSingleton(sp => new ClvProfiles(
            Path.Combine(serve.DataDir, "models.db"), sp.GetRequiredService<ModelStore>, clvHorizon));
        builder.Services.AddAkka(LoyaltyActorsHosting.SystemName, (akka, sp) => akka
            .ConfigureLoggers(l => l.LogLevel = Akka.Event.LogLevel.WarningLevel)
            .WithLoyaltyActors(actorOptions, config.Aggregators.Enabled ? sp.GetRequiredService<ModelStore>() : null));
        builder.Services.AddSingleton(sp => new EventIngestor(
            sp.GetRequiredService<IRequiredActor<CustomerRegion>>().ActorRef, ingress.WriteTimeout));

        var app = builder.Build();
        app.MapLoyaltyEndpoints();
        return app;
    }
}
