using Microsoft.Data.Sqlite;

namespace LoyaltyActors.Actors.Persistence;

/// <summary>
/// 64-bit hashes of the persistence ids a table holds, so that "has this customer anything stored?" is
/// answered without a query for the common case of a brand-new customer. A hash collision only makes
/// a new id look known, which costs the query it would have made anyway: never a wrong answer.
/// Only valid while this process is the table's only writer (the embedded SQLite default).
/// </summary>
public sealed class KnownIds
{
    private readonly HashSet<ulong> _hashes;

    private KnownIds(HashSet<ulong> hashes) => _hashes = hashes;

    public int Count => _hashes.Count;

    /// <summary>Loads the distinct ids of <paramref name="table"/>; an absent table means none.</summary>
    public static KnownIds Load(string connectionString, string table) => new(ReadTolerantly(() => Read(connectionString, table)));

    /// <summary>
    /// Runs <paramref name="read"/>, reading a table that does not exist (yet) as empty. The journal and the snapshot store
    /// load their ids when they start, while the plugins create their tables on other connections: SQLite reports a
    /// missing table whose schema changed meanwhile as SQLITE_SCHEMA (17), not as a plain error (1). That escaped, the
    /// journal's constructor threw, and every recovery waited for it (30 s stalls in CI). A schema change under a read of a
    /// table that exists is read again.
    /// </summary>
    internal static HashSet<ulong> ReadTolerantly(Func<HashSet<ulong>> read)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return read();
            }
            catch (SqliteException e) when (SqliteErrors.IsMissingTable(e))
            {
                // A new data dir: the plugin creates its tables on first use.
                return [];
            }
            catch (SqliteException e) when (SqliteErrors.IsSchemaChanged(e) && attempt < 5)
            {
                // Another connection changed the schema while this one prepared its read: read again.
            }
        }
    }

    private static HashSet<ulong> Read(string connectionString, string table)
    {
        var hashes = new HashSet<ulong>();
        using var connection = new SqliteConnection(connectionString);
        connection.Open();
        using var cmd = connection.CreateCommand();
        cmd.CommandText = $"SELECT DISTINCT persistence_id FROM \"{table}\"";
        using var reader = cmd.ExecuteReader();
        while (reader.Read()) hashes.Add(Hash(reader.GetString(0)));
        return hashes;
    }

    /// <summary>False means certainly absent; true means maybe present (ask the database).</summary>
    public bool MayContain(string persistenceId) => _hashes.Contains(Hash(persistenceId));

    public void Add(string persistenceId) => _hashes.Add(Hash(persistenceId));

    private static ulong Hash(string s)
    {
        // FNV-1a over UTF-16 code units: stable, cheap, good enough spread for a membership filter.
        var h = 14695981039346656037UL;
        foreach (var c in s)
        {
            h ^= c;
            h *= 1099511628211UL;
        }

        return h;
    }
}
