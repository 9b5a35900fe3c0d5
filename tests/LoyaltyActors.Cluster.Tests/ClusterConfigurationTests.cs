using Xunit;
using LoyaltyActors.Actors.Cluster;
using LoyaltyActors.Actors.Persistence;
using LoyaltyActors.Host.Configuration;
using Microsoft.Extensions.Configuration;
using NodaTime;

namespace LoyaltyActors.Cluster.Tests;

public sealed class ClusterConfigurationTests
{
    private const string Postgres = "Host=127.0.0.1;Port=5432;Database=loyalty;Username=loyalty";

    private static LoyaltyConfig Bind(params (string Key, string Value)[] settings) =>
        ConfigLoader.Bind(new ConfigurationBuilder()
            .AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value)))
            .Build());

    [Fact]
    public void No_seed_nodes_is_a_single_node_on_the_embedded_journal_with_its_shortcuts_on()
    {
        var config = Bind();
        var cluster = config.ToClusterSettings("/tmp/x");
        var options = config.ToActorsOptions("/tmp/x", SystemClock.Instance);

        Assert.False(cluster.Enabled);
        Assert.True(options.Journal.IsSqlite);
        var hocon = PersistenceHocon.For(options.Journal, options.Tuning);
        Assert.Equal(typeof(GroupCommitSqlJournal).AssemblyQualifiedName, hocon.GetString("akka.persistence.journal.sql.class"));
        Assert.True(hocon.GetBoolean("akka.persistence.journal.sql.known-ids-cache"));
        Assert.True(hocon.GetBoolean("akka.persistence.snapshot-store.sql.known-ids-cache"));
        Assert.Equal("off", hocon.GetString("akka.persistence.journal.sql.replay-filter.mode"));
    }

    [Fact]
    public void The_shipped_configuration_is_a_single_node()
    {
        var shipped = Path.Combine(AppContext.BaseDirectory, "config", "appsettings.json");
        var config = ConfigLoader.Bind(new ConfigurationBuilder().AddJsonFile(shipped, optional: false).Build());

        var cluster = config.ToClusterSettings("/tmp/x");

        Assert.False(cluster.Enabled);
        Assert.Equal(("127.0.0.1", 4053), (cluster.Hostname, cluster.Port));
        Assert.Equal("sqlite", config.Journal.Provider);
    }

    [Fact]
    public void PostgreSql_journal_turns_the_single_writer_shortcuts_off_and_uses_the_stock_plugin()
    {
        var options = Bind(("Loyalty:Journal:Provider", "postgresql"), ("Loyalty:Journal:ConnectionString", Postgres))
            .ToActorsOptions("/tmp/x", SystemClock.Instance);

        Assert.False(options.Journal.IsSqlite);
        Assert.False(options.Tuning.SingleWriter);
        var hocon = PersistenceHocon.For(options.Journal, options.Tuning);
        Assert.Equal("PostgreSQL.15", hocon.GetString("akka.persistence.journal.sql.provider-name"));
        Assert.Equal(Postgres, hocon.GetString("akka.persistence.journal.sql.connection-string"));
        Assert.False(hocon.GetBoolean("akka.persistence.journal.sql.known-ids-cache"));
        Assert.False(hocon.GetBoolean("akka.persistence.snapshot-store.sql.known-ids-cache"));
        Assert.Equal("repair-by-discard-old", hocon.GetString("akka.persistence.journal.sql.replay-filter.mode"));
        Assert.Equal(typeof(Akka.Persistence.Sql.Journal.SqlWriteJournal).AssemblyQualifiedName, hocon.GetString("akka.persistence.journal.sql.class"));
        Assert.Equal(typeof(Akka.Persistence.Sql.Snapshot.SqlSnapshotStore).AssemblyQualifiedName, hocon.GetString("akka.persistence.snapshot-store.sql.class"));
        Assert.True(hocon.GetBoolean("akka.persistence.journal.sql.auto-initialize"));
        // Several writers: a gap in the ordering is waited for (tries × delay) well beyond a journal transaction.
        var tries = hocon.GetInt("akka.persistence.query.journal.sql.journal-sequence-retrieval.max-tries");
        var delay = hocon.GetTimeSpan("akka.persistence.query.journal.sql.journal-sequence-retrieval.query-delay");
        Assert.True(tries * delay >= TimeSpan.FromSeconds(10), $"{tries} × {delay}");
    }

    [Fact]
    public void PostgreSql_without_a_connection_string_is_refused_naming_the_key()
    {
        var ex = Assert.Throws<ConfigurationException>(() =>
            Bind(("Loyalty:Journal:Provider", "postgresql")).ToActorsOptions("/tmp/x", SystemClock.Instance));
        Assert.Contains("Loyalty:Journal:ConnectionString", ex.Message);
    }

    [Fact]
    public void An_unparsable_connection_string_is_refused_naming_the_key()
    {
        var ex = Assert.Throws<ConfigurationException>(() =>
            Bind(("Loyalty:Journal:Provider", "postgresql"), ("Loyalty:Journal:ConnectionString", "Hots=x;Nonsense"))
                .ToActorsOptions("/tmp/x", SystemClock.Instance));
        Assert.Contains("Loyalty:Journal:ConnectionString", ex.Message);
    }

    [Fact]
    public void Seed_nodes_on_the_embedded_journal_are_refused_naming_both_keys()
    {
        var ex = Assert.Throws<ConfigurationException>(() =>
            Bind(("Loyalty:Cluster:SeedNodes:0", "akka.tcp://loyalty@127.0.0.1:4053")).ToClusterSettings("/tmp/x"));
        Assert.Contains("Loyalty:Cluster:SeedNodes", ex.Message);
        Assert.Contains("Loyalty:Journal:Provider", ex.Message);
    }

    [Theory]
    [InlineData("127.0.0.1:4053", "Loyalty:Cluster:SeedNodes:1")]
    [InlineData("akka.tcp://other@127.0.0.1:4053", "actor system 'other'")]
    [InlineData("akka.tcp://loyalty@127.0.0.1:99999", "no valid port")]
    public void A_malformed_seed_node_is_refused_naming_its_index(string seed, string expected)
    {
        var ex = Assert.Throws<ConfigurationException>(() =>
            Bind(("Loyalty:Journal:Provider", "postgresql"), ("Loyalty:Journal:ConnectionString", Postgres),
                ("Loyalty:Cluster:SeedNodes:0", "akka.tcp://loyalty@127.0.0.1:4053"), ("Loyalty:Cluster:SeedNodes:1", seed))
                .ToClusterSettings("/tmp/x"));
        Assert.Contains(expected, ex.Message);
    }

    [Fact]
    public void Cluster_configuration_shards_customers_with_keep_majority_and_no_remembered_entities()
    {
        var cluster = Bind(("Loyalty:Journal:Provider", "postgresql"), ("Loyalty:Journal:ConnectionString", Postgres),
                ("Loyalty:Cluster:Hostname", "10.1.2.3"), ("Loyalty:Cluster:Port", "4100"),
                ("Loyalty:Cluster:SeedNodes:0", "akka.tcp://loyalty@10.1.2.3:4100"), ("Loyalty:Cluster:SeedNodes:1", "akka.tcp://loyalty@10.1.2.4:4100"))
            .ToClusterSettings("/data");
        var hocon = ClusterHocon.For(cluster);

        Assert.True(cluster.Enabled);
        Assert.Equal("/data", cluster.ScratchDir);
        Assert.Equal("cluster", hocon.GetString("akka.actor.provider"));
        Assert.Equal("10.1.2.3", hocon.GetString("akka.remote.dot-netty.tcp.hostname"));
        Assert.Equal(4100, hocon.GetInt("akka.remote.dot-netty.tcp.port"));
        Assert.Equal(["akka.tcp://loyalty@10.1.2.3:4100", "akka.tcp://loyalty@10.1.2.4:4100"], hocon.GetStringList("akka.cluster.seed-nodes"));
        Assert.Equal("keep-majority", hocon.GetString("akka.cluster.split-brain-resolver.active-strategy"));
        Assert.Contains("SplitBrainResolverProvider", hocon.GetString("akka.cluster.downing-provider-class"));
        Assert.False(hocon.GetBoolean("akka.cluster.sharding.remember-entities"));
    }
}
