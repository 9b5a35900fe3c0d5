using Microsoft.Data.Sqlite;

namespace LoyaltyActors.Actors.Persistence;

/// <summary>Where the journal and snapshots live: a SQLite file (default) or PostgreSQL.</summary>
/// <param name="Provider"><c>sqlite</c> or <c>postgresql</c>.</param>
/// <param name="ConnectionString">ADO.NET connection string of the provider.</param>
public sealed record JournalSettings(string Provider, string ConnectionString)
{
    public const string Sqlite = "sqlite";
    public const string PostgreSql = "postgresql";

    /// <summary>The embedded default: <c>journal.db</c> inside the data directory.</summary>
    public static JournalSettings SqliteFile(string path) => new(Sqlite, new SqliteConnectionStringBuilder
    {
        DataSource = path,
        // Pooled (Microsoft.Data.Sqlite >= 10.0.15: older pools could lend one connection to two threads, efcore#39008).
        Pooling = true,
        DefaultTimeout = 30,
    }.ToString());

    public bool IsSqlite => string.Equals(Provider, Sqlite, StringComparison.OrdinalIgnoreCase);

    /// <summary>The linq2db provider name Akka.Persistence.Sql expects.</summary>
    public string LinqToDbProvider => IsSqlite ? "SQLite.MS"
        : string.Equals(Provider, PostgreSql, StringComparison.OrdinalIgnoreCase) ? "PostgreSQL.15"
        : throw new ArgumentException($"Loyalty:Journal:Provider must be 'sqlite' or 'postgresql', not '{Provider}'");
}
