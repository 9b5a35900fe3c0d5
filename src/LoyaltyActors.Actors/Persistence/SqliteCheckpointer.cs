using Microsoft.Data.Sqlite;

namespace LoyaltyActors.Actors.Persistence;

/// <summary>
/// Copies the journal's write-ahead log into the database file on a thread and connection of its own (SQLite's
/// <c>PASSIVE</c> checkpoint: it copies what no reader still needs and never waits for a lock), at most every
/// <see cref="Pause"/>, after the writer says it committed (<see cref="Nudge"/>).
/// </summary>
/// <remarks>
/// By default SQLite checkpoints inside the commit that takes the log past 1,000 pages, on the committing connection: the
/// journal's single writer then waited for the copy and the database file's fsync (a 200,000-event HTTP run at 16
/// connections made 39 such checkpoints, ~0.25 s of fsync under strace) while every batch behind it queued. The writer
/// now checkpoints itself only once the log holds <see cref="WriterCheckpointPages"/> pages. Durability does not change:
/// a commit is synced in the log before it is acknowledged, whoever copies it on.
/// <para>
/// The log file is larger for it: SQLite starts the log over only when a transaction begins with every frame copied,
/// which a checkpoint running beside a busy writer seldom sees; the writer's own checkpoint at the backstop, with
/// nearly everything already copied, makes that happen, so under continuous ingest the log cycles up to ~64 MB (it
/// stayed under ~8 MB before) and a restart after a crash reads that much back.
/// </para>
/// </remarks>
internal sealed class SqliteCheckpointer : IDisposable
{
    /// <summary>The writer connection's own <c>wal_autocheckpoint</c>: a backstop of 64 MB of log.</summary>
    public const int WriterCheckpointPages = 16_384;

    /// <summary>The least time between two checkpoints: commits come by the hundred per second.</summary>
    public static readonly TimeSpan Pause = TimeSpan.FromMilliseconds(100);

    private readonly AutoResetEvent _nudged = new(false);
    private readonly ManualResetEventSlim _stopping = new(false);
    private readonly Thread _thread;
    private long _checkpoints;

    public SqliteCheckpointer(string connectionString)
    {
        _thread = new Thread(() => Run(connectionString)) { IsBackground = true, Name = "journal checkpointer" };
        _thread.Start();
    }

    /// <summary>Checkpoints done so far.</summary>
    public long Checkpoints => Interlocked.Read(ref _checkpoints);

    /// <summary>Raised on the checkpointer's thread after each checkpoint.</summary>
    public event Action? Checkpointed;

    /// <summary>The writer committed: a checkpoint follows (right away, or once the pause since the last one is over).</summary>
    public void Nudge() => _nudged.Set();

    private void Run(string connectionString)
    {
        SqliteConnection? connection = null;
        try
        {
            while (true)
            {
                _nudged.WaitOne();
                if (_stopping.IsSet) return;
                try
                {
                    if (connection is null)
                    {
                        connection = new SqliteConnection(connectionString);
                        connection.Open();
                    }

                    using var checkpoint = connection.CreateCommand();
                    checkpoint.CommandText = "PRAGMA wal_checkpoint(PASSIVE);";
                    checkpoint.ExecuteNonQuery();
                    Interlocked.Increment(ref _checkpoints);
                    Checkpointed?.Invoke();
                }
                catch (Exception)
                {
                    // Copied by a later checkpoint (or by the writer's backstop); a broken connection is opened again. Nothing
                    // here may end the thread: an exception on it would end the process.
                    connection?.Dispose();
                    connection = null;
                }

                if (_stopping.Wait(Pause)) return;
            }
        }
        finally
        {
            connection?.Dispose();
        }
    }

    public void Dispose()
    {
        _stopping.Set();
        _nudged.Set();
        _thread.Join();
        _nudged.Dispose();
        _stopping.Dispose();
    }
}
