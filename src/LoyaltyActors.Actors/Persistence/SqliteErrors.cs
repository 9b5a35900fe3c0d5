using Microsoft.Data.Sqlite;

namespace LoyaltyActors.Actors.Persistence;

/// <summary>
/// The SQLite errors that mean "not there yet" while the plugins create their tables at start, on other connections.
/// </summary>
internal static class SqliteErrors
{
    /// <summary>SQLITE_SCHEMA: another connection changed the schema while this statement was prepared or run.</summary>
    public const int SchemaChanged = 17;

    /// <summary>
    /// A table that does not exist (yet). SQLite reports it as a plain error (1), or as SQLITE_SCHEMA (17) when another
    /// connection changed the schema meanwhile (the snapshot store creating its table while the journal reads, say).
    /// </summary>
    public static bool IsMissingTable(SqliteException e) => e.Message.Contains("no such table", StringComparison.Ordinal);

    /// <summary>The schema changed under the statement; running it again sees the new schema.</summary>
    public static bool IsSchemaChanged(SqliteException e) => e.SqliteErrorCode == SchemaChanged;
}
