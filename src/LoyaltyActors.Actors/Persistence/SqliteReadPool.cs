using System.Collections.Concurrent;
using Microsoft.Data.Sqlite;

namespace LoyaltyActors.Actors.Persistence;

/// <summary>
/// Open, read-only SQLite connections, each with its statements prepared once, lent to one thread at a time.
/// Recovery reads go through here instead of the plugin's linq2db queries: a linq2db query builds, optimises and
/// prints its SQL on every call, and the plugin's replay materialises two Akka Streams graphs per customer. Each
/// lent connection runs its statements in autocommit mode, i.e. every statement is its own read transaction (WAL:
/// it sees exactly the transactions committed when it started, never a write in progress), and never takes the
/// write lock (<c>query_only</c>).
/// </summary>
/// <typeparam name="T">A connection with its prepared commands (created by the factory, disposed with the pool).</typeparam>
public sealed class SqliteReadPool<T> : IDisposable
    where T : class, IDisposable
{
    private readonly string _connectionString;
    private readonly Func<SqliteConnection, T> _prepare;
    private readonly int _maxIdle;
    private readonly ConcurrentQueue<T> _idle = new();
    private int _idleCount;
    private volatile bool _disposed;

    /// <param name="connectionString">The journal's SQLite connection string.</param>
    /// <param name="prepare">Creates and prepares the commands of one freshly opened connection.</param>
    /// <param name="maxIdle">Connections kept open between uses; more may be open while demand is higher.</param>
    public SqliteReadPool(string connectionString, Func<SqliteConnection, T> prepare, int maxIdle = 16)
    {
        // Our own pool: the connections stay open, so Microsoft.Data.Sqlite's pool is not involved.
        _connectionString = new SqliteConnectionStringBuilder(connectionString) { Mode = SqliteOpenMode.ReadWrite, Pooling = false }.ToString();
        _prepare = prepare;
        _maxIdle = Math.Max(1, maxIdle);
    }

    /// <summary>Runs <paramref name="read"/> with a connection of its own (no other thread uses it meanwhile).</summary>
    public TResult Use<TResult>(Func<T, TResult> read)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var lease = Rent();
        var healthy = false;
        try
        {
            var result = read(lease);
            healthy = true;
            return result;
        }
        finally
        {
            // A connection that failed mid-read (busy, I/O error, a reader left open) is not trusted again.
            if (healthy) Return(lease);
            else lease.Dispose();
        }
    }

    private T Rent()
    {
        if (_idle.TryDequeue(out var lease))
        {
            Interlocked.Decrement(ref _idleCount);
            return lease;
        }

        var connection = new SqliteConnection(_connectionString);
        try
        {
            connection.Open();
            using (var pragma = connection.CreateCommand())
            {
                // Reads only: a bug here can never take the write lock. Memory-mapped pages are read without a copy into
                // this connection's cache; the cache itself holds the interior b-tree pages that every lookup walks.
                pragma.CommandText = "PRAGMA query_only = ON; PRAGMA mmap_size = 268435456; PRAGMA cache_size = -8192; PRAGMA temp_store = MEMORY;";
                pragma.ExecuteNonQuery();
            }

            return _prepare(connection);
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    private void Return(T lease)
    {
        if (_disposed || Interlocked.Increment(ref _idleCount) > _maxIdle)
        {
            if (!_disposed) Interlocked.Decrement(ref _idleCount);
            lease.Dispose();
            return;
        }

        _idle.Enqueue(lease);
        // Disposed while this one was being put back: it must not stay open.
        if (_disposed) Drain();
    }

    private void Drain()
    {
        while (_idle.TryDequeue(out var idle))
        {
            Interlocked.Decrement(ref _idleCount);
            idle.Dispose();
        }
    }

    public void Dispose()
    {
        _disposed = true;
        Drain();
    }
}
