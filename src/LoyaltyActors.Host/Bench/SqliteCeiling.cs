using System.Diagnostics;
using Microsoft.Data.Sqlite;

namespace LoyaltyActors.Host.Bench;

/// <summary>
/// What SQLite itself does on this disk with the engine's durability: WAL, synchronous=FULL, transactions of 1,000
/// rows of ~200-byte payloads keyed like the journal (persistence id, sequence number); then the per-key read-back.
/// </summary>
internal static class SqliteCeiling
{
    public static (double WriteRowsPerSecond, double ReadKeysPerSecond, double ReadRowsPerSecond) Measure(string dir, int rows, int keys = 10_000)
    {
        Directory.CreateDirectory(dir);
        var path = Path.Combine(dir, "ceiling.db");
        foreach (var suffix in new[] { "", "-wal", "-shm" }) File.Delete(path + suffix);
        using var c = new SqliteConnection($"Data Source={path};Pooling=False");
        c.Open();
        Exec(c, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;");
        Exec(c, "CREATE TABLE journal (ordering INTEGER PRIMARY KEY AUTOINCREMENT, persistence_id TEXT NOT NULL, " +
                "sequence_number INTEGER NOT NULL, message BLOB NOT NULL, UNIQUE(persistence_id, sequence_number))");
        var payload = new byte[200];
        Random.Shared.NextBytes(payload);

        var watch = Stopwatch.StartNew();
        for (var n = 0; n < rows;)
        {
            using var tx = c.BeginTransaction();
            using var insert = c.CreateCommand();
            insert.CommandText = "INSERT INTO journal (persistence_id, sequence_number, message) VALUES ($p, $s, $m)";
            var p = insert.Parameters.Add("$p", SqliteType.Text);
            var s = insert.Parameters.Add("$s", SqliteType.Integer);
            insert.Parameters.AddWithValue("$m", payload);
            for (var end = Math.Min(n + 1000, rows); n < end; n++)
            {
                p.Value = "customer-" + (n % keys);
                s.Value = n / keys + 1;
                insert.ExecuteNonQuery();
            }

            tx.Commit();
        }

        var write = rows / watch.Elapsed.TotalSeconds;
        var order = Enumerable.Range(0, keys).OrderBy(_ => Random.Shared.Next()).ToArray();
        using var select = c.CreateCommand();
        select.CommandText = "SELECT message FROM journal WHERE persistence_id = $p ORDER BY sequence_number";
        var key = select.Parameters.Add("$p", SqliteType.Text);
        long read = 0;
        watch.Restart();
        foreach (var k in order)
        {
            key.Value = "customer-" + k;
            using var r = select.ExecuteReader();
            while (r.Read()) read++;
        }

        var seconds = watch.Elapsed.TotalSeconds;
        c.Close();
        SqliteConnection.ClearAllPools();
        foreach (var suffix in new[] { "", "-wal", "-shm" }) File.Delete(path + suffix);
        return (write, keys / seconds, read / seconds);
    }

    private static void Exec(SqliteConnection c, string sql)
    {
        using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        cmd.ExecuteNonQuery();
    }
}
