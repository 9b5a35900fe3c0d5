using Akka.Configuration;
using LoyaltyActors.Actors.Hosting;
using LoyaltyActors.Actors.Persistence;
using Microsoft.Data.Sqlite;

namespace LoyaltyActors.Actors.Tests.Support;

/// <summary>
/// A throwaway SQLite journal in its own temp directory, and the production actor-system config
/// (<see cref="LoyaltyActorsHosting.ActorSystemConfig"/>) pointed at it. Dispose only after the
/// actor system that used it has shut down.
/// </summary>
public sealed class TempJournal : IDisposable
{
    private readonly string _dir;

    public TempJournal(PersistenceTuning? tuning = null)
    {
        _dir = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "loyalty-actors-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_dir);
        Path = System.IO.Path.Combine(_dir, "journal.db");
        Settings = JournalSettings.SqliteFile(Path);
        SqliteSetup.Prepare(Settings.ConnectionString);
        Config = LoyaltyActorsHosting.ActorSystemConfig(Settings, tuning ?? PersistenceTuning.Default);
    }

    public string Path { get; }

    public JournalSettings Settings { get; }

    public Config Config { get; }

    /// <summary>Rows the journal has committed for <paramref name="persistenceId"/>.</summary>
    public long CountEvents(string persistenceId) =>
        (long)(Scalar("select count(*) from journal where persistence_id = $id", persistenceId) ?? 0L);

    /// <summary>Sequence number of the newest committed snapshot, or null (none yet, or no table yet).</summary>
    public long? LatestSnapshotAt(string persistenceId)
    {
        try
        {
            return Scalar("select max(sequence_number) from snapshot where persistence_id = $id", persistenceId) as long?;
        }
        catch (SqliteException e) when (e.Message.Contains("no such table", StringComparison.Ordinal))
        {
            return null;
        }
    }

    /// <summary>
    /// Takes SQLite's write lock (<c>BEGIN IMMEDIATE</c>) until disposed: the journal's writes wait on it
    /// (busy timeout), so nothing can be committed while it is held.
    /// </summary>
    public IDisposable HoldWriteLock()
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = Path, Pooling = false }.ToString());
        connection.Open();
        using var cmd = connection.CreateCommand();
        cmd.CommandText = "BEGIN IMMEDIATE;";
        cmd.ExecuteNonQuery();
        return new WriteLock(connection);
    }

    public void Dispose()
    {
        // Release the pooled handles of the production connection string before deleting the file.
        using (var pooled = new SqliteConnection(Settings.ConnectionString)) SqliteConnection.ClearPool(pooled);
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
            // A handle still open somewhere must not fail the test; the OS temp cleaner gets it.
        }
    }

    private object? Scalar(string sql, string persistenceId)
    {
        // Not pooled, read-only: a separate reader sees exactly what the journal committed.
        var cs = new SqliteConnectionStringBuilder { DataSource = Path, Pooling = false, Mode = SqliteOpenMode.ReadOnly }.ToString();
        using var connection = new SqliteConnection(cs);
        connection.Open();
        using var cmd = connection.CreateCommand();
        cmd.CommandText = sql;
        cmd.Parameters.AddWithValue("$id", persistenceId);
        var value = cmd.ExecuteScalar();
        return value is DBNull ? null : value;
    }

    private sealed class WriteLock(SqliteConnection connection) : IDisposable
    {
        public void Dispose()
        {
            using (var cmd = connection.CreateCommand())
            {
                cmd.CommandText = "ROLLBACK;";
                cmd.ExecuteNonQuery();
            }

            connection.Dispose();
        }
    }
}
