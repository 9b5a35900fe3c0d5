using LoyaltyActors.Actors.Persistence;
using Microsoft.Data.Sqlite;
using Xunit;

namespace LoyaltyActors.Actors.Tests;

/// <summary>
/// The journal's row INSERT, bound straight on SQLite's statement: every column as the plugin stores it (text, not NULL,
/// for empty tags; the payload's bytes exactly), and a rejected row (a sequence number taken) leaves the statement
/// ready for the next one.
/// </summary>
public sealed class JournalInsertTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "loyalty-actors-tests", Guid.NewGuid().ToString("N"));
    private readonly string _connectionString;

    public JournalInsertTests()
    {
        Directory.CreateDirectory(_dir);
        _connectionString = new SqliteConnectionStringBuilder { DataSource = Path.Combine(_dir, "journal.db"), Pooling = false }.ToString();
        BulkJournal.Open(_connectionString).Dispose(); // the plugin's tables
    }

    [Fact]
    public void Rows_hold_exactly_the_bound_values_with_empty_strings_stored_as_text()
    {
        byte[] first = [1, 2, 3, 0, 255], second = [42];
        using (var connection = Open())
        using (var insert = new JournalInsert(connection, "writer-1"))
        using (var tx = connection.BeginTransaction())
        {
            insert.Insert(638_000_000_000_000_001, "customer-ü-1", 1, first, "", "P", 77);
            insert.Insert(638_000_000_000_000_002, "customer-ü-1", 2, second, ";vip;eu;", "", 78);
            tx.Commit();
        }

        using var read = Open();
        using var cmd = read.CreateCommand();
        cmd.CommandText = """
            SELECT created, deleted, persistence_id, sequence_number, message, typeof(tags), tags, typeof(manifest), manifest, identifier, writer_uuid
            FROM journal ORDER BY ordering
            """;
        using var r = cmd.ExecuteReader();
        var rows = new List<object[]>();
        while (r.Read())
        {
            var row = new object[r.FieldCount];
            r.GetValues(row);
            rows.Add(row);
        }

        // created, deleted, persistence_id, sequence_number, message, typeof(tags), tags, typeof(manifest), manifest, identifier, writer_uuid
        Assert.Equal(
        [
            [638_000_000_000_000_001L, 0L, "customer-ü-1", 1L, first, "text", "", "text", "P", 77L, "writer-1"],
            new object[] { 638_000_000_000_000_002L, 0L, "customer-ü-1", 2L, second, "text", ";vip;eu;", "text", "", 78L, "writer-1" },
        ], rows);
    }

    [Fact]
    public void A_taken_sequence_number_throws_and_the_next_row_is_still_written()
    {
        using var connection = Open();
        using var insert = new JournalInsert(connection, "w");
        using (var tx = connection.BeginTransaction())
        {
            insert.Insert(1, "c-1", 1, [1], "", "P", 1);
            var e = Assert.Throws<SqliteException>(() => insert.Insert(2, "c-1", 1, [2], "", "P", 1));
            Assert.Equal(19, e.SqliteErrorCode); // SQLITE_CONSTRAINT
            insert.Insert(3, "c-1", 2, [3], "", "P", 1);
            tx.Commit();
        }

        using var cmd = connection.CreateCommand();
        cmd.CommandText = "SELECT group_concat(sequence_number || ':' || hex(message), ',') FROM journal";
        Assert.Equal("1:01,2:03", cmd.ExecuteScalar());
    }

    private SqliteConnection Open()
    {
        var connection = new SqliteConnection(_connectionString);
        connection.Open();
        return connection;
    }

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }
}
