using LoyaltyActors.Actors.Customers;
using LoyaltyActors.Actors.Hosting;
using LoyaltyActors.Actors.Persistence;
using LoyaltyActors.Actors.Projections;
using LoyaltyActors.Domain.Customers;
using LoyaltyActors.Domain.Scoring;
using LoyaltyActors.Domain.Wire;
using System.Net;
using LoyaltyActors.Ingress;
using LoyaltyActors.Ingress.Security;
using LoyaltyActors.Ingress.Shopify;
using LoyaltyActors.Ingress.Tcp;
using NodaTime;

namespace LoyaltyActors.Host.Configuration;

/// <summary>
/// The <c>Loyalty</c> section of <c>config/appsettings.json</c>; every key can be overridden by an
/// environment variable <c>Loyalty__Section__Key</c>. Defaults here are the shipped defaults.
/// </summary>
public sealed class LoyaltyConfig
{
    public string Currency { get; set; } = "EUR";
    public PointsConfig Points { get; set; } = new();
    public ScoringConfig Scoring { get; set; } = new();
    public CustomersConfig Customers { get; set; } = new();
    public JournalConfig Journal { get; set; } = new();
    public IngressConfig Ingress { get; set; } = new();
    public SegmentsConfig Segments { get; set; } = new();
    public AggregatorsConfig Aggregators { get; set; } = new();
    public TcpConfig Tcp { get; set; } = new();
    public SecurityConfig Security { get; set; } = new();
    public ShopifyConfig Shopify { get; set; } = new();

    public sealed class TcpConfig
    {
        public int MaxLineBytes { get; set; } = 64 * 1024;
        public int MaxBatchLines { get; set; } = 500;
        public double IdleTimeoutSeconds { get; set; } = 300;
        public int MaxConnections { get; set; } = 1024;
    }

    public sealed class SecurityConfig
    {
        public List<ApiKeyConfig> ApiKeys { get; set; } = [];
    }

    public sealed class ApiKeyConfig
    {
        public string? Key { get; set; }
        public string? Role { get; set; }
    }

    public sealed class ShopifyConfig
    {
        public string? Secret { get; set; }
    }

    public sealed class AggregatorsConfig
    {
        /// <summary>Run the segment and recommender aggregators in this process (off: an ingest-only node).</summary>
        public bool Enabled { get; set; } = true;
    }
    public RecommenderConfig Recommender { get; set; } = new();

    public sealed class SegmentsConfig
    {
        public int K { get; set; } = 5;
        public int Seed { get; set; } = 17;
        public int MinCustomersToSeed { get; set; } = 50;
        public int SweepEveryEvents { get; set; } = 5_000;
    }

    public sealed class RecommenderConfig
    {
        public int MaxPairsPerOrder { get; set; } = 1000;
        public long SimilarMinPairCount { get; set; } = 5;
    }

    public sealed class PointsConfig
    {
        public decimal PerCurrencyUnit { get; set; } = 1m;
        public int RuleVersion { get; set; } = 1;
    }

    public sealed class ScoringConfig
    {
        public double DecayHalfLifeDays { get; set; } = 90;
        public double PreferenceSteepness { get; set; } = 1.0;
        public BehaviorWeights Behavior { get; set; } = new();
        public LoyaltyWeights Loyalty { get; set; } = new();
    }

    public sealed class CustomersConfig
    {
        public int SnapshotEvery { get; set; } = 100;
        public int PassivateAfterSeconds { get; set; } = 120;
    }

    public sealed class JournalConfig
    {
        public string Provider { get; set; } = JournalSettings.Sqlite;
        public string? ConnectionString { get; set; }
        public int BatchSize { get; set; } = PersistenceTuning.Default.BatchSize;
        public int Parallelism { get; set; } = PersistenceTuning.Default.Parallelism;
        public int MaxConcurrentRecoveries { get; set; } = PersistenceTuning.Default.MaxConcurrentRecoveries;

        /// <summary>Raw HOCON laid over the generated Akka configuration, for tunables without a key of their own.</summary>
        public string? Hocon { get; set; }
    }

    public sealed class IngressConfig
    {
        public int MaxBodyBytes { get; set; } = IngressOptions.Default.MaxBodyBytes;
        public int MaxEventsPerRequest { get; set; } = IngressOptions.Default.MaxEventsPerRequest;
        public double WriteTimeoutSeconds { get; set; } = IngressOptions.Default.WriteTimeout.TotalSeconds;
    }

    public LoyaltyActorsOptions ToActorsOptions(string dataDir, IClock clock)
    {
        if (Points.PerCurrencyUnit < 0) throw new ConfigurationException("Loyalty:Points:PerCurrencyUnit must not be negative");
        if (Customers.SnapshotEvery < 1) throw new ConfigurationException("Loyalty:Customers:SnapshotEvery must be at least 1");
        var journal = string.Equals(Journal.Provider, JournalSettings.Sqlite, StringComparison.OrdinalIgnoreCase)
            ? string.IsNullOrWhiteSpace(Journal.ConnectionString)
                ? JournalSettings.SqliteFile(Path.Combine(dataDir, "journal.db"))
                : new JournalSettings(JournalSettings.Sqlite, Journal.ConnectionString)
            : string.Equals(Journal.Provider, JournalSettings.PostgreSql, StringComparison.OrdinalIgnoreCase)
                ? throw new ConfigurationException("Loyalty:Journal:Provider 'postgresql' is not supported by this version yet (it comes with cluster mode); use 'sqlite'")
                : throw new ConfigurationException($"Loyalty:Journal:Provider must be 'sqlite', not '{Journal.Provider}'");

        var customers = new CustomerSettings(
            new PointsPolicy(Points.PerCurrencyUnit, Points.RuleVersion),
            new ScoringSettings(Scoring.Behavior, Scoring.Loyalty, Scoring.DecayHalfLifeDays, Scoring.PreferenceSteepness),
            Customers.SnapshotEvery,
            TimeSpan.FromSeconds(Math.Max(1, Customers.PassivateAfterSeconds)),
            clock);
        var tuning = PersistenceTuning.Default with
        {
            BatchSize = Journal.BatchSize,
            Parallelism = Journal.Parallelism,
            MaxConcurrentRecoveries = Journal.MaxConcurrentRecoveries,
            ExtraHocon = Journal.Hocon,
        };
        if (Segments.K < 1) throw new ConfigurationException("Loyalty:Segments:K must be at least 1");
        if (Segments.MinCustomersToSeed < Segments.K) throw new ConfigurationException("Loyalty:Segments:MinCustomersToSeed must be at least K");
        if (Segments.SweepEveryEvents < 1) throw new ConfigurationException("Loyalty:Segments:SweepEveryEvents must be at least 1");
        if (Recommender.MaxPairsPerOrder < 0) throw new ConfigurationException("Loyalty:Recommender:MaxPairsPerOrder must not be negative");
        return new LoyaltyActorsOptions(customers, journal, tuning)
        {
            Segments = new SegmentSettings(Segments.K, Segments.Seed, Segments.MinCustomersToSeed, Segments.SweepEveryEvents),
            Recommender = new RecommenderSettings(Recommender.MaxPairsPerOrder, Recommender.SimilarMinPairCount),
        };
    }

    public TcpIngressOptions ToTcpOptions(string address)
    {
        if (!TcpIngressOptions.TryParseAddress(address, out var endPoint, out var error)) throw new ConfigurationException("--tcp: " + error);
        if (Tcp.MaxLineBytes < 256) throw new ConfigurationException("Loyalty:Tcp:MaxLineBytes must be at least 256");
        if (Tcp.MaxBatchLines < 1) throw new ConfigurationException("Loyalty:Tcp:MaxBatchLines must be at least 1");
        if (Tcp.MaxConnections < 1) throw new ConfigurationException("Loyalty:Tcp:MaxConnections must be at least 1");
        if (!(Tcp.IdleTimeoutSeconds > 0)) throw new ConfigurationException("Loyalty:Tcp:IdleTimeoutSeconds must be positive");
        return new TcpIngressOptions(endPoint, Tcp.MaxLineBytes, Tcp.MaxBatchLines, TimeSpan.FromSeconds(Tcp.IdleTimeoutSeconds), Tcp.MaxConnections);
    }

    /// <summary>The API keys; a key without a value or with a role other than ingest/admin is refused by name.</summary>
    public ApiKeyRing ToApiKeys()
    {
        var keys = new List<ApiKey>();
        for (var i = 0; i < Security.ApiKeys.Count; i++)
        {
            var k = Security.ApiKeys[i];
            if (string.IsNullOrWhiteSpace(k.Key)) throw new ConfigurationException($"Loyalty:Security:ApiKeys:{i}:Key must not be empty");
            if (!ApiKeyRing.TryParseRole(k.Role, out var role))
                throw new ConfigurationException($"Loyalty:Security:ApiKeys:{i}:Role must be 'ingest' or 'admin', not '{k.Role}'");
            keys.Add(new ApiKey(k.Key, role));
        }

        return new ApiKeyRing(keys);
    }

    public ShopifyOptions ToShopifyOptions() => new(string.IsNullOrWhiteSpace(Shopify.Secret) ? null : Shopify.Secret);

    public IngressOptions ToIngressOptions() => new(
        WireLimits.Default with { Currency = Currency },
        Ingress.MaxBodyBytes, Ingress.MaxEventsPerRequest, TimeSpan.FromSeconds(Ingress.WriteTimeoutSeconds));
}

/// <summary>A setting is missing or out of range; the message names the key.</summary>
public sealed class ConfigurationException(string message) : Exception(message);
