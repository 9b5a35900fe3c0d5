using System.Runtime.CompilerServices;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace LoyaltyActors.Actors.Persistence;

/// <summary>
/// The one INSERT of a journal row in the plugin's layout (see <see cref="SqliteJournalWriter"/>), shared by the live
/// journal and the bulk replay: one statement prepared once on the connection, its values bound straight from the
/// caller's spans. Through <c>SqliteCommand</c> every row cost a parameter binder per value, a boxed integer per
/// integer, a data reader and a statement enumerator: under replay those were a sixth of all allocations.
/// </summary>
/// <remarks>
/// Not thread-safe, like the connection it runs on. The caller opens and commits the transaction (it runs inside
/// <c>BeginTransaction</c>, which already holds SQLite's write lock, so a row never waits on a busy database).
/// Dispose before the connection.
/// </remarks>
internal sealed class JournalInsert : IDisposable
{
    private const string Sql = """
        INSERT INTO journal (created, deleted, persistence_id, sequence_number, message, tags, manifest, identifier, writer_uuid)
        VALUES (?1, 0, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
        """;

    private readonly SqliteConnection _connection;
    private readonly sqlite3_stmt _statement;

    public JournalInsert(SqliteConnection connection, string writerUuid)
    {
        _connection = connection;
        Check(raw.sqlite3_prepare_v2(connection.Handle, Sql, out _statement));
        BindText(8, writerUuid);
    }

    /// <summary>Inserts one row; a constraint or database error throws <see cref="SqliteException"/>, and the statement is ready for the next row either way.</summary>
    /// <returns>The row's <c>ordering</c> (SQLite's rowid of the row just inserted).</returns>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public long Insert(long created, string persistenceId, long sequenceNr, ReadOnlySpan<byte> message, string tags, string manifest, int identifier)
    {
        try
        {
            Check(raw.sqlite3_bind_int64(_statement, 1, created));
            BindText(2, persistenceId);
            Check(raw.sqlite3_bind_int64(_statement, 3, sequenceNr));
            Check(message.IsEmpty ? raw.sqlite3_bind_zeroblob(_statement, 4, 0) : raw.sqlite3_bind_blob(_statement, 4, message));
            BindText(5, tags);
            BindText(6, manifest);
            Check(raw.sqlite3_bind_int(_statement, 7, identifier));
            var rc = raw.sqlite3_step(_statement);
            if (rc != raw.SQLITE_DONE) Check(rc);
            return raw.sqlite3_last_insert_rowid(_connection.Handle);
        }
        finally
        {
            raw.sqlite3_reset(_statement);
        }
    }

    /// <summary>UTF-16 straight from the string (SQLite stores it as UTF-8); "" is stored as empty text, not NULL (JournalInsertTests).</summary>
    private void BindText(int index, string value) => Check(raw.sqlite3_bind_text16(_statement, index, value.AsSpan()));

    private void Check(int rc)
    {
        if (rc != raw.SQLITE_OK && rc != raw.SQLITE_DONE) SqliteException.ThrowExceptionForRC(rc, _connection.Handle);
    }

    public void Dispose() => _statement.Dispose();
}
