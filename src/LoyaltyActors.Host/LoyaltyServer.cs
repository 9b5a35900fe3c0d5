using Akka.Hosting;
using LoyaltyActors.Actors.Hosting;
using LoyaltyActors.Actors.Metrics;
using LoyaltyActors.Host.Configuration;
using LoyaltyActors.Host.Dashboard;
using LoyaltyActors.Host.Operations;
using LoyaltyActors.Ingress;
using System.Net;
using LoyaltyActors.Ingress.Http;
using LoyaltyActors.Notifications;
using LoyaltyActors.Ingress.Security;
using LoyaltyActors.Ingress.Shopify;
using LoyaltyActors.Ingress.Tcp;
using Prometheus;
using LoyaltyActors.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using NodaTime;
using Serilog;

namespace LoyaltyActors.Host;

/// <summary>What <c>loyalty serve</c> was asked for.</summary>
public sealed record ServeOptions(string DataDir, string HttpUrl, string? ConfigFile, string TcpAddress = LoyaltyServer.DefaultTcp);

/// <summary>The composition root of the server: configuration, actor system, HTTP.</summary>
public static class LoyaltyServer
{
    public const string DefaultHttp = "http://127.0.0.1:5080";
    public const string DefaultDataDir = "./data";
    public const string DefaultTcp = TcpIngressOptions.DefaultAddress;

    /// <summary>Builds (does not start) the web application. The caller owns <paramref name="dataLock"/>.</summary>
    public static WebApplication Build(ServeOptions serve, IConfiguration configuration, IClock clock)
    {
        var config = ConfigLoader.Bind(configuration);
        var actorOptions = config.ToActorsOptions(serve.DataDir, clock);
        var cluster = config.ToClusterSettings(serve.DataDir);
        var ingress = config.ToIngressOptions();
        var notifications = config.ToNotificationOptions(serve.DataDir);
        var tcp = config.ToTcpOptions(serve.TcpAddress);
        var keys = config.ToApiKeys();
        if (keys.IsEmpty) RequireLoopback(serve, tcp);

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
        CategoryCachingLoggerFactory.Decorate(builder.Services);
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
            .WithLoyaltyActors(actorOptions.WithFittedClv(serve.DataDir, sp.GetRequiredService<ModelStore>) with
            {
                Aggregators = config.Aggregators.Enabled,
                Cluster = cluster,
                Rewards = new RewardNotifications(sp.GetRequiredService<LoyaltyActors.Notifications.INotificationSink>()),
            }, sp.GetRequiredService<ModelStore>()));
        var pseudonyms = config.ToPseudonyms();
        builder.Services.AddSingleton(pseudonyms);
        builder.Services.AddSingleton(sp => new EventIngestor(
            sp.GetRequiredService<IRequiredActor<CustomerRegion>>().ActorRef, ingress.WriteTimeout, pseudonyms));
        builder.Services.AddLoyaltyNotifications(notifications);
        builder.Services.AddSingleton<ICustomerErasure>(sp => new OutboxErasure(sp.GetRequiredService<NotificationOutbox>()));
        builder.Services.AddSingleton(keys);
        builder.Services.AddSingleton(config.ToShopifyOptions());
        builder.Services.AddSingleton(_ => new ShopifyOrderIndex(Path.Combine(serve.DataDir, "shopify.db")));
        builder.Services.AddSingleton(sp => new TcpIngressServer(tcp, ingress, sp.GetRequiredService<EventIngestor>,
            sp.GetRequiredService<ApiKeyRing>(), sp.GetRequiredService<ILogger<TcpIngressServer>>()));
        // Registered after AddAkka: started after the actor system, stopped before it.
        builder.Services.AddHostedService(sp => sp.GetRequiredService<TcpIngressServer>());

        LoyaltyMetrics.Register();
        var app = builder.Build();
        if (keys.IsEmpty)
            app.Logger.LogWarning("no API keys configured (Loyalty:Security:ApiKeys): every endpoint and the TCP ingress are open, so the server listens on loopback only");
        app.UseApiKeys(keys);
        if (pseudonyms.Enabled)
        {
            // Customer paths address the pseudonym: the {id} route value is mapped before the endpoint binds it.
            app.Use((context, next) =>
            {
                if (context.Request.RouteValues.TryGetValue("id", out var id) && id is string raw
                    && context.Request.Path.StartsWithSegments("/v1/customers"))
                    context.Request.RouteValues["id"] = pseudonyms.Map(raw);
                return next(context);
            });
        }

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
        app.MapShopifyWebhook();
        return app;
    }

    /// <summary>Without API keys the server is open: it refuses to listen anywhere a remote machine could reach it.</summary>
    private static void RequireLoopback(ServeOptions serve, TcpIngressOptions tcp)
    {
        if (!IsLoopbackUrl(serve.HttpUrl))
            throw new ConfigurationException(
                $"--http {serve.HttpUrl} is not a loopback address; with no API keys configured (Loyalty:Security:ApiKeys) the server only listens on loopback (127.0.0.1, ::1, localhost)");
        if (!IPAddress.IsLoopback(tcp.EndPoint.Address))
            throw new ConfigurationException(
                $"--tcp {serve.TcpAddress} is not a loopback address; with no API keys configured (Loyalty:Security:ApiKeys) the server only listens on loopback (127.0.0.1, ::1, localhost)");
    }

    private static bool IsLoopbackUrl(string url)
    {
        foreach (var one in url.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            // Kestrel's wildcards (http://*:5080, http://+:5080) are not valid URIs; they mean every address.
            if (!Uri.TryCreate(one.Replace("://*", "://wildcard.invalid").Replace("://+", "://wildcard.invalid"), UriKind.Absolute, out var uri)) return false;
            if (uri.IsLoopback) continue;
            if (!IPAddress.TryParse(uri.Host.Trim('[', ']'), out var address) || !IPAddress.IsLoopback(address)) return false;
        }

        return true;
    }
}
