using LoyaltyActors.Actors.Customers;
using LoyaltyActors.Actors.Hosting;
using LoyaltyActors.Actors.Persistence;
using LoyaltyActors.Actors.Projections;
using LoyaltyActors.Domain.Customers;
using LoyaltyActors.Domain.Scoring;
using LoyaltyActors.Domain.Wire;
using System.Net;
using LoyaltyActors.Ingress;
using System.Collections.Immutable;
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
    public NotificationsConfig Notifications { get; set; } = new();
    public ClusterConfig Cluster { get; set; } = new();

    /// <summary><c>Loyalty:Cluster</c>: no seed nodes = a single node (the default).</summary>
    public sealed class ClusterConfig
    {
        /// <summary>The address other nodes reach this node at.</summary>
        public string Hostname { get; set; } = LoyaltyActors.Actors.Cluster.ClusterSettings.DefaultHostname;

        /// <summary>This node's Akka.Remote port.</summary>
        public int Port { get; set; } = LoyaltyActors.Actors.Cluster.ClusterSettings.DefaultPort;

        /// <summary><c>akka.tcp://loyalty@host:port</c> of the seed nodes (list the same ones, in the same order, on every node).</summary>
        public List<string> SeedNodes { get; set; } = [];
    }

    /// <summary>The cluster settings of a server on <paramref name="dataDir"/>; errors name the key.</summary>
    public LoyaltyActors.Actors.Cluster.ClusterSettings ToClusterSettings(string dataDir)
    {
        var seeds = Cluster.SeedNodes.Where(s => !string.IsNullOrWhiteSpace(s)).Select(s => s.Trim()).ToList();
        if (seeds.Count > 0 && !string.Equals(Journal.Provider, JournalSettings.PostgreSql, StringComparison.OrdinalIgnoreCase))
            throw new ConfigurationException(
                "Loyalty:Cluster:SeedNodes needs a journal every node shares: set Loyalty:Journal:Provider to 'postgresql' and Loyalty:Journal:ConnectionString");
        try
        {
            return new LoyaltyActors.Actors.Cluster.ClusterSettings(Cluster.Hostname?.Trim() ?? "", Cluster.Port, seeds)
            {
                ScratchDir = dataDir,
            }.Validate();
        }
        catch (ArgumentException ex)
        {
            throw new ConfigurationException(ex.Message);
        }
    }

    public sealed class NotificationsConfig
    {
        /// <summary>Webhook receivers: <c>{ "Url", "Secret" }</c>, secret <c>whsec_&lt;base64&gt;</c>.</summary>
        public List<WebhookConfig> Webhooks { get; set; } = [];
        public double InitialBackoffSeconds { get; set; } = 30;
        public double MaxBackoffSeconds { get; set; } = 3600;
        public int MaxAttempts { get; set; } = 8;
        public double TimeoutSeconds { get; set; } = 10;
        public int MaxConcurrentDeliveries { get; set; } = 16;
        public int StreamBufferSize { get; set; } = 1024;
        public double StreamHeartbeatSeconds { get; set; } = 15;
    }

    public sealed class WebhookConfig
    {
        public string? Url { get; set; }
        public string? Secret { get; set; }
    }
    public ClvConfig Clv { get; set; } = new();

    public sealed class ClvConfig
    {
        /// <summary>Horizon of profiles' expected_purchases / expected_value, in the fitted model's time unit (freq × freq_multiplier days).</summary>
        public double HorizonPeriods { get; set; } = 52;
    }

    /// <summary><c>Loyalty:Clv:HorizonPeriods</c>, checked.</summary>
    public double ClvHorizonPeriods() =>
        double.IsFinite(Clv.HorizonPeriods) && Clv.HorizonPeriods > 0
            ? Clv.HorizonPeriods
            : throw new ConfigurationException("Loyalty:Clv:HorizonPeriods must be a positive number of model time units");
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

        /// <summary>When set (16+ characters), customer ids are replaced at the edge by a keyed pseudonym.</summary>
        public string? PseudonymKey { get; set; }
    }

    /// <summary>The edge's customer-id mapping (<c>Loyalty:Security:PseudonymKey</c>), identity when no key is set.</summary>
    public CustomerPseudonyms ToPseudonyms()
    {
        if (string.IsNullOrEmpty(Security.PseudonymKey)) return CustomerPseudonyms.None;
        try
        {
            return CustomerPseudonyms.WithKey(Security.PseudonymKey);
        }
        catch (ArgumentException ex)
        {
            throw new ConfigurationException(ex.Message.Split(" (Parameter")[0]);
        }
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
        public int Partitions { get; set; } = RecommenderSettings.DefaultPartitions;
    }

    public sealed class PointsConfig
    {
        public decimal PerCurrencyUnit { get; set; } = 1m;

        /// <summary>Recorded with every points change; raise it whenever the earning rules change.</summary>
        public int RuleVersion { get; set; } = 1;

        /// <summary>ISO-8601 period a lot lives (e.g. <c>P12M</c>); empty = points never expire.</summary>
        public string? Expiry { get; set; } = "P12M";

        /// <summary>Extra points per currency unit by category.</summary>
        public Dictionary<string, decimal> CategoryBonuses { get; set; } = new(StringComparer.Ordinal);
    }

    public TiersConfig Tiers { get; set; } = new();

    /// <summary>Reward rules; null (absent) = the shipped default, <c>voucher-10</c> at 1,000 points.</summary>
    public List<RewardConfig>? Rewards { get; set; }

    public sealed class TiersConfig
    {
        /// <summary>The trailing window whose net spend decides the tier.</summary>
        public string Window { get; set; } = "P12M";

        /// <summary>A tier is reviewed (and may go down) this long after it was set, then again every period.</summary>
        public string ReviewEvery { get; set; } = "P3M";

        /// <summary>Tiers, lowest first; null (absent) = base 0 ×1, silver 1,000 ×1.25, gold 5,000 ×1.5.</summary>
        public List<TierConfig>? Levels { get; set; }
    }

    public sealed class TierConfig
    {
        public string Name { get; set; } = "";
        public decimal MinSpend { get; set; }
        public decimal Multiplier { get; set; } = 1m;
    }

    public sealed class RewardConfig
    {
        public string Id { get; set; } = "";

        /// <summary><c>balance</c>, <c>tier</c> (upgrade) or <c>loyalty</c>.</summary>
        public string When { get; set; } = "balance";
        public decimal Threshold { get; set; }
        public string? Tier { get; set; }
        public string Reward { get; set; } = "";
        public int Version { get; set; } = 1;

        /// <summary>False keeps the rule configured but off (configuration cannot express an empty array).</summary>
        public bool Enabled { get; set; } = true;
    }

    /// <summary>The loyalty program these settings describe; throws naming the first bad setting.</summary>
    public LoyaltyProgram ToProgram()
    {
        var expiry = string.IsNullOrWhiteSpace(Points.Expiry) ? (Period?)null : ParsePeriod("Loyalty:Points:Expiry", Points.Expiry);
        foreach (var (category, bonus) in Points.CategoryBonuses)
            if (bonus < 0) throw new ConfigurationException($"Loyalty:Points:CategoryBonuses:{category} must not be negative");
        var points = new PointsPolicy(Points.PerCurrencyUnit, Points.RuleVersion)
        {
            Expiry = expiry,
            CategoryBonuses = Points.CategoryBonuses.ToImmutableDictionary(StringComparer.Ordinal),
        };
        var tiers = Tiers.Levels is { Count: > 0 } levels
            ? levels.Select(l => new TierLevel(l.Name, l.MinSpend, l.Multiplier)).ToImmutableArray()
            : LoyaltyProgram.Default.Tiers;
        var rewards = Rewards is null
            ? LoyaltyProgram.Default.Rewards
            : Rewards.Select((r, i) => (r, i)).Where(x => x.r.Enabled).Select(x => new RewardRule(
                x.r.Id, x.r.When.ToLowerInvariant() switch
                {
                    "balance" => RewardTrigger.Balance,
                    "tier" or "tier-upgrade" or "tierupgrade" => RewardTrigger.TierUpgrade,
                    "loyalty" => RewardTrigger.Loyalty,
                    "winback" or "win-back" => RewardTrigger.WinBack,
                    _ => throw new ConfigurationException($"Loyalty:Rewards:{x.i}:When must be 'balance', 'tier', 'loyalty' or 'winback', not '{x.r.When}'"),
                }, x.r.Reward, x.r.Threshold, x.r.Tier, x.r.Version)).ToImmutableArray();
        var program = new LoyaltyProgram(points, tiers,
            ParsePeriod("Loyalty:Tiers:Window", Tiers.Window), ParsePeriod("Loyalty:Tiers:ReviewEvery", Tiers.ReviewEvery),
            rewards, Scoring.Loyalty);
        if (program.Problem() is { } problem) throw new ConfigurationException(problem);
        return program;
    }

    private static Period ParsePeriod(string key, string text)
    {
        var parsed = NodaTime.Text.PeriodPattern.Roundtrip.Parse(text.Trim());
        if (!parsed.Success || parsed.Value.Equals(Period.Zero))
            throw new ConfigurationException($"{key}: '{text}' is not a positive ISO-8601 period such as P12M, P90D or PT1H");
        return parsed.Value;
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
                ? new JournalSettings(JournalSettings.PostgreSql, PostgreSqlConnectionString())
                : throw new ConfigurationException($"Loyalty:Journal:Provider must be 'sqlite' or 'postgresql', not '{Journal.Provider}'");

        var customers = new CustomerSettings(
            new PointsPolicy(Points.PerCurrencyUnit, Points.RuleVersion),
            new ScoringSettings(Scoring.Behavior, Scoring.Loyalty, Scoring.DecayHalfLifeDays, Scoring.PreferenceSteepness),
            Customers.SnapshotEvery,
            TimeSpan.FromSeconds(Math.Max(1, Customers.PassivateAfterSeconds)),
            clock) { Program = ToProgram() };
        var tuning = PersistenceTuning.Default with
        {
            BatchSize = Journal.BatchSize,
            Parallelism = Journal.Parallelism,
            MaxConcurrentRecoveries = Journal.MaxConcurrentRecoveries,
            ExtraHocon = Journal.Hocon,
            // Only the embedded SQLite file has this process as its one writer (see PersistenceHocon).
            SingleWriter = journal.IsSqlite,
        };
        if (Segments.K < 1) throw new ConfigurationException("Loyalty:Segments:K must be at least 1");
        if (Segments.MinCustomersToSeed < Segments.K) throw new ConfigurationException("Loyalty:Segments:MinCustomersToSeed must be at least K");
        if (Segments.SweepEveryEvents < 1) throw new ConfigurationException("Loyalty:Segments:SweepEveryEvents must be at least 1");
        if (Recommender.MaxPairsPerOrder < 0) throw new ConfigurationException("Loyalty:Recommender:MaxPairsPerOrder must not be negative");
        if (Recommender.Partitions is < 1 or > 64)
            throw new ConfigurationException($"Loyalty:Recommender:Partitions must be a whole number from 1 to 64, not {Recommender.Partitions}");
        return new LoyaltyActorsOptions(customers, journal, tuning)
        {
            Segments = new SegmentSettings(Segments.K, Segments.Seed, Segments.MinCustomersToSeed, Segments.SweepEveryEvents),
            Recommender = new RecommenderSettings(Recommender.MaxPairsPerOrder, Recommender.SimilarMinPairCount, Recommender.Partitions),
        };
    }

    /// <summary><c>Loyalty:Journal:ConnectionString</c> for PostgreSQL: required, and checked by Npgsql's parser.</summary>
    private string PostgreSqlConnectionString()
    {
        if (string.IsNullOrWhiteSpace(Journal.ConnectionString))
            throw new ConfigurationException(
                "Loyalty:Journal:ConnectionString is required with Loyalty:Journal:Provider 'postgresql' (an Npgsql connection string, e.g. Host=127.0.0.1;Port=5432;Database=loyalty;Username=loyalty;Password=secret)");
        try
        {
            _ = new Npgsql.NpgsqlConnectionStringBuilder(Journal.ConnectionString);
            return Journal.ConnectionString;
        }
        catch (ArgumentException ex)
        {
            throw new ConfigurationException($"Loyalty:Journal:ConnectionString is not a valid Npgsql connection string: {ex.Message}");
        }
    }

    /// <summary>The notification settings, with every webhook URL and secret checked; errors name the key.</summary>
    public LoyaltyActors.Notifications.NotificationOptions ToNotificationOptions(string dataDir)
    {
        const string section = "Loyalty:Notifications";
        var webhooks = new List<LoyaltyActors.Notifications.WebhookEndpoint>();
        for (var i = 0; i < Notifications.Webhooks.Count; i++)
        {
            try
            {
                webhooks.Add(LoyaltyActors.Notifications.WebhookEndpoint.Parse(Notifications.Webhooks[i].Url, Notifications.Webhooks[i].Secret, $"{section}:Webhooks:{i}"));
            }
            catch (FormatException ex)
            {
                throw new ConfigurationException(ex.Message);
            }
        }

        static TimeSpan Seconds(double value, string key) => double.IsFinite(value) && value > 0 && value <= TimeSpan.MaxValue.TotalSeconds / 2
            ? TimeSpan.FromSeconds(value)
            : throw new ConfigurationException($"{section}:{key} must be a positive number of seconds, not {value}");

        try
        {
            return new LoyaltyActors.Notifications.NotificationOptions(Path.Combine(dataDir, "notifications.db"), webhooks)
            {
                InitialBackoff = Seconds(Notifications.InitialBackoffSeconds, "InitialBackoffSeconds"),
                MaxBackoff = Seconds(Notifications.MaxBackoffSeconds, "MaxBackoffSeconds"),
                MaxAttempts = Notifications.MaxAttempts,
                Timeout = Seconds(Notifications.TimeoutSeconds, "TimeoutSeconds"),
                MaxConcurrentDeliveries = Notifications.MaxConcurrentDeliveries,
                StreamBufferSize = Notifications.StreamBufferSize,
                StreamHeartbeat = Seconds(Notifications.StreamHeartbeatSeconds, "StreamHeartbeatSeconds"),
            }.Validated();
        }
        catch (ArgumentException ex)
        {
            throw new ConfigurationException(ex.Message);
        }
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
