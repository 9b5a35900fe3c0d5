using Akka.Hosting;
using LoyaltyActors.Actors.Hosting;
using LoyaltyActors.Actors.Metrics;
using LoyaltyActors.Host.Configuration;
using LoyaltyActors.Host.Dashboard;
using LoyaltyActors.Host.Operations;
using LoyaltyActors.Ingress;
using LoyaltyActors.Ingress.Http;
using LoyaltyActors.Notifications;
using LoyaltyActors.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using NodaTime;
using Prometheus;
using Serilog;

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
        var cluster = config.ToClusterSettings(serve.DataDir);
        var ingress = config.ToIngressOptions();
        var notifications = config.ToNotificationOptions(serve.DataDir);

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
        builder.Services.AddSerilog(LoyaltyLogging.Configure(configuration));
        builder.Services.AddOpenApi("v1", o => o.AddDocumentTransformer<OpenApiEveryEndpoint>());

        builder.Services.ConfigureHttpJsonOptions(o => LoyaltyJson.Configure(o.SerializerOptions));
        builder.Services.AddSingleton(clock);
        builder.Services.AddSingleton(ingress);
        builder.Services.AddSingleton(actorOptions.Customers); // scoring settings and population for GET /v1/customers/{id}/explain
        builder.Services.AddSingleton(_ => new ModelStore(Path.Combine(serve.DataDir, "models.db")));
        var clvHorizon = config.ClvHorizonPeriods();
        builder.Services.AddSingleton(sp => new ClvProfiles(
            Path.Combine(serve.DataDir, "models.db"), sp.GetRequiredService<ModelStore>, clvHorizon));
        builder.Services.AddAkka(LoyaltyActorsHosting.SystemName, (akka, sp) => akka
            .ConfigureLoggers(LoyaltyLogging.ConfigureAkka)
            .WithLoyaltyActors(actorOptions with
            {
                Aggregators = config.Aggregators.Enabled,
                Cluster = cluster,
                Rewards = new RewardNotifications(sp.GetRequiredService<LoyaltyActors.Notifications.INotificationSink>()),
            }, sp.GetRequiredService<ModelStore>()));
        builder.Services.AddSingleton(sp => new EventIngestor(
            sp.GetRequiredService<IRequiredActor<CustomerRegion>>().ActorRef, ingress.WriteTimeout));
        builder.Services.AddLoyaltyNotifications(notifications);

        LoyaltyMetrics.Register();
        var app = builder.Build();
        app.MapLoyaltyEndpoints();
        app.MapNotificationEndpoints();
        app.MapStatsEndpoints();
        app.MapDashboard();
        app.MapMetrics()
            .WithTags("Operations")
            .WithSummary("Prometheus metrics")
            .WithDescription("Text exposition format: journal write latency and batch sizes, customer actors alive and passivated, ingress and notification counters, process metrics.");
        app.MapOpenApi()
            .WithTags("Operations")
            .WithSummary("This OpenAPI document")
            .WithDescription("OpenAPI 3.1 description of every endpoint of the server, including this one.");
        return app;
    }
}
