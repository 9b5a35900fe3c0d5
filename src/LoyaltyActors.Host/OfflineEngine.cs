using Akka.Actor;
using Akka.Hosting;
using LoyaltyActors.Actors.Hosting;
using LoyaltyActors.Host.Configuration;
using LoyaltyActors.Ingress;
using LoyaltyActors.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using NodaTime;

namespace LoyaltyActors.Host;

/// <summary>
/// The engine without HTTP, for offline commands (replay, rfm-summary, customer, rebuild): it takes the
/// data dir's lock, so it refuses to run while a server holds the same directory.
/// </summary>
public sealed class OfflineEngine : IAsyncDisposable
{
    private readonly DataDirLock _lock;
    private readonly IHost _host;
    private readonly string _dataDir;
    private ModelStore? _models;

    private OfflineEngine(DataDirLock dataLock, IHost host, string dataDir, LoyaltyConfig config, LoyaltyActorsOptions options, ActorSystem system, IActorRef customers, IngressOptions ingress)
    {
        Options = options;
        _lock = dataLock;
        _dataDir = dataDir;
        _host = host;
        Config = config;
        System = system;
        Customers = customers;
        Ingress = ingress;
        Pseudonyms = config.ToPseudonyms();
        Ingestor = new EventIngestor(customers, ingress.WriteTimeout, Pseudonyms);
    }

    public LoyaltyConfig Config { get; }

    /// <summary>The edge's customer-id mapping: offline commands address customers exactly as the server does.</summary>
    public LoyaltyActors.Ingress.Security.CustomerPseudonyms Pseudonyms { get; }

    /// <summary>The actor-side settings this engine runs with (customers, journal, aggregators).</summary>
    public LoyaltyActorsOptions Options { get; }
    public ActorSystem System { get; }
    public IActorRef Customers { get; }
    public IngressOptions Ingress { get; }
    public EventIngestor Ingestor { get; }

    /// <summary>The aggregators' model store (<c>models.db</c> in the data dir), opened on first use.</summary>
    public ModelStore Models => _models ??= new ModelStore(Path.Combine(_dataDir, "models.db"));

    /// <summary>
    /// A projection brought up to date with the journal: loaded from its last snapshot, fed every event
    /// stored since, and saved again, so the next command (or the server) starts from here.
    /// </summary>
    public async Task<T> CatchUpAsync<T>(Func<ModelStore, T> load, CancellationToken cancellationToken) where T : LoyaltyActors.Actors.Projections.JournalProjection
    {
        var projection = load(Models);
        var before = projection.EventsConsumed;
        await projection.CatchUpAsync(System, cancellationToken);
        if (projection.EventsConsumed != before) projection.Save(Models);
        return projection;
    }

    /// <summary>
    /// The configuration and the actor-side settings an offline command runs with (customers decide under the same
    /// program as on the server, including a fitted CLV model). The caller holds the data dir's lock.
    /// </summary>
    public static (LoyaltyConfig Config, LoyaltyActorsOptions Options) LoadOptions(string dataDir, string? configFile, IClock clock)
    {
        var config = ConfigLoader.Bind(ConfigLoader.Load(configFile));
        ModelStore? clvStore = null;
        var actorOptions = config.ToActorsOptions(dataDir, clock)
            .WithFittedClv(dataDir, () => clvStore = new ModelStore(Path.Combine(dataDir, "models.db")));
        clvStore?.Dispose();
        return (config, actorOptions);
    }

    public static async Task<OfflineEngine> StartAsync(string dataDir, string? configFile, IClock clock, CancellationToken cancellationToken)
    {
        var dataLock = DataDirLock.Acquire(dataDir);
        try
        {
            var (config, actorOptions) = LoadOptions(dataDir, configFile, clock);
            var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
            {
                Args = [],
                ContentRootPath = AppContext.BaseDirectory,
                DisableDefaults = true,
            });
            builder.Logging.ClearProviders();
            builder.Logging.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Warning);
            builder.Services.AddAkka(LoyaltyActorsHosting.SystemName, (akka, _) => akka
                .ConfigureLoggers(l => l.LogLevel = Akka.Event.LogLevel.WarningLevel)
                .WithLoyaltyActors(actorOptions));
            var host = builder.Build();
            await host.StartAsync(cancellationToken);
            var system = host.Services.GetRequiredService<ActorSystem>();
            var customers = await ActorRegistry.For(system).GetAsync<CustomerRegion>(cancellationToken);
            return new OfflineEngine(dataLock, host, dataDir, config, actorOptions, system, customers, config.ToIngressOptions());
        }
        catch
        {
            dataLock.Dispose();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _host.StopAsync();
        }
        finally
        {
            _host.Dispose();
            _models?.Dispose();
            _lock.Dispose();
        }
    }
}
