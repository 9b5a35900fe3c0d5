using Microsoft.Data.Sqlite;

namespace LoyaltyActors.Actors.Persistence;

/// <summary>Prepares a SQLite journal file before the plugin opens it.</summary>
public static class SqliteSetup
{
    /// <summary>
    /// Puts the database in WAL mode (a property of the file, so every later connection has it) and
    /// checks that commits are synced to disk (synchronous=FULL): an acknowledged event must survive
    /// a crash or power loss.
    /// </summary>
    public static void Prepare(string connectionString)
    {
        var builder = new SqliteConnectionStringBuilder(connectionString);
        var dir = Path.GetDirectoryName(Path.GetFullPath(builder.DataSource));
        if (!string.IsNullOrEmpty(dir)) Directory.CreateDirectory(dir);
        using var connection = new SqliteConnection(connectionString);
        connection.Open();
        using var cmd = connection.CreateCommand();
        cmd.CommandText = "PRAGMA journal_mode=WAL;";
        var mode = cmd.ExecuteScalar() as string;
        if (!string.Equals(mode, "wal", StringComparison.OrdinalIgnoreCase))
            throw new InvalidOperationException($"SQLite journal {builder.DataSource} refused WAL mode (got '{mode}')");
        cmd.CommandText = "PRAGMA synchronous;";
        var sync = Convert.ToInt32(cmd.ExecuteScalar());
        if (sync < 2)
            throw new InvalidOperationException(
                $"SQLite journal {builder.DataSource} opens with synchronous={sync}; LoyaltyActors needs FULL (2) so acknowledged events are durable");
    }
}
