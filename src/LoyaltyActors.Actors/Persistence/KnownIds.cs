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
    public static KnownIds Load(string connectionString, string table)
    {
        var hashes = new HashSet<ulong>();
        using var connection = new SqliteConnection(connectionString);
        connection.Open();
        using var cmd = connection.CreateCommand();
        cmd.CommandText = $"SELECT DISTINCT persistence_id FROM \"{table}\"";
        try
        {
            using var reader = cmd.ExecuteReader();
            while (reader.Read()) hashes.Add(Hash(reader.GetString(0)));
        }
        catch (SqliteException e) when (e.SqliteErrorCode == 1 && e.Message.Contains("no such table", StringComparison.Ordinal))
        {
            // A new data dir: the plugin creates its tables on first use.
        }

        return new KnownIds(hashes);
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
