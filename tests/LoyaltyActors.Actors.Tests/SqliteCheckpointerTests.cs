using LoyaltyActors.Actors.Persistence;
using Microsoft.Data.Sqlite;
using Xunit;

namespace LoyaltyActors.Actors.Tests;

/// <summary>
/// The journal's checkpointer: with the writer's own checkpoints off, what the writer commits stays in the write-ahead
/// log (the database file does not grow) until the checkpointer, nudged, copies it there on its own connection.
/// </summary>
public sealed class SqliteCheckpointerTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "loyalty-actors-tests", Guid.NewGuid().ToString("N"));
    private readonly string _path;
    private readonly string _connectionString;

    public SqliteCheckpointerTests()
    {
        Directory.CreateDirectory(_dir);
        _path = Path.Combine(_dir, "journal.db");
        _connectionString = new SqliteConnectionStringBuilder { DataSource = _path, Pooling = false }.ToString();
        SqliteSetup.Prepare(_connectionString);
    }

    [Fact]
    public async Task A_nudge_copies_the_committed_log_into_the_database_file_without_the_writer()
    {
        using var writer = new SqliteConnection(_connectionString);
        writer.Open();
        Execute(writer, "PRAGMA wal_autocheckpoint = 0; CREATE TABLE t (id INTEGER PRIMARY KEY, v BLOB NOT NULL);");
        for (var tx = 0; tx < 20; tx++)
        {
            using var transaction = writer.BeginTransaction();
            for (var i = 0; i < 100; i++) Execute(writer, $"INSERT INTO t (v) VALUES (randomblob(1000));");
            transaction.Commit();
        }

        var before = new FileInfo(_path).Length;
        Assert.True(before < 100_000, $"the database file held {before} bytes before any checkpoint");

        using var checkpointer = new SqliteCheckpointer(_connectionString);
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        checkpointer.Checkpointed += () => done.TrySetResult();
        checkpointer.Nudge();
        Assert.Same(done.Task, await Task.WhenAny(done.Task, Task.Delay(TimeSpan.FromSeconds(30)))); // a hang guard only

        Assert.True(new FileInfo(_path).Length > 2_000_000, $"the database file holds {new FileInfo(_path).Length} bytes after the checkpoint");
        Assert.Equal(1, checkpointer.Checkpoints);
        using var read = new SqliteConnection(_connectionString);
        read.Open();
        using var count = read.CreateCommand();
        count.CommandText = "SELECT count(*) FROM t";
        Assert.Equal(2_000L, (long)count.ExecuteScalar()!);
    }

    [Fact]
    public void Disposing_stops_the_thread_whether_or_not_it_was_nudged()
    {
        new SqliteCheckpointer(_connectionString).Dispose();
        var nudged = new SqliteCheckpointer(_connectionString);
        nudged.Nudge();
        nudged.Dispose();
        Assert.InRange(nudged.Checkpoints, 0, 1);
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
            // A file still open by a finalizer; the temp folder is cleaned elsewhere.
        }
    }
}
