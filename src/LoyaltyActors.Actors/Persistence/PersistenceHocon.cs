using Akka.Configuration;

namespace LoyaltyActors.Actors.Persistence;

/// <summary>
/// Akka.Persistence.Sql configuration for the journal, the snapshot store and the read journal.
/// The batching values are what makes group commit happen: many customers' writes queue up while one
/// transaction commits, and the next transaction takes them all (see README, Performance).
/// </summary>
public static class PersistenceHocon
{
    public static Config For(JournalSettings journal, PersistenceTuning tuning)
    {
        var overrides = string.IsNullOrWhiteSpace(tuning.ExtraHocon)
            ? Config.Empty
            : ConfigurationFactory.ParseString(tuning.ExtraHocon);
        var cs = Quote(journal.ConnectionString);
        var provider = Quote(journal.LinqToDbProvider);
        return overrides.WithFallback(ConfigurationFactory.ParseString($$"""
            akka.persistence {
              journal {
                plugin = "akka.persistence.journal.sql"
                sql {
                  class = "{{typeof(GroupCommitSqlJournal).AssemblyQualifiedName}}"
                  group-commit-max-rows = {{tuning.BatchSize}}
                  known-ids-cache = {{(journal.IsSqlite && tuning.SingleWriter ? "on" : "off")}}
                  connection-string = {{cs}}
                  provider-name = {{provider}}
                  auto-initialize = true
                  warn-on-auto-init-fail = false
                  tag-write-mode = Csv
                  buffer-size = {{tuning.BufferSize}}
                  batch-size = {{tuning.BatchSize}}
                  db-round-trip-max-batch-size = {{tuning.BatchSize}}
                  parallelism = {{tuning.Parallelism}}
                  max-row-by-row-size = {{tuning.MaxRowByRowSize}}
                  replay-batch-size = 1000
                  # Microsoft.Data.Sqlite turns "unspecified" into BEGIN IMMEDIATE, which takes SQLite's single
                  # write lock for every read; read-uncommitted gives a plain BEGIN (still serializable
                  # without shared cache), so recoveries stop queueing behind group commits.
                  read-isolation-level = {{tuning.ReadIsolation}}
                }
              }
              snapshot-store {
                plugin = "akka.persistence.snapshot-store.sql"
                sql {
                  class = "{{typeof(ParallelReadSqlSnapshotStore).AssemblyQualifiedName}}"
                  known-ids-cache = {{(journal.IsSqlite && tuning.SingleWriter ? "on" : "off")}}
                  connection-string = {{cs}}
                  provider-name = {{provider}}
                  auto-initialize = true
                  warn-on-auto-init-fail = false
                  read-isolation-level = {{tuning.ReadIsolation}}
                }
              }
              query.journal.sql {
                connection-string = {{cs}}
                provider-name = {{provider}}
                write-plugin = "akka.persistence.journal.sql"
                tag-read-mode = Csv
                read-isolation-level = {{tuning.ReadIsolation}}
                refresh-interval = {{tuning.QueryRefreshMs}}ms
                journal-sequence-retrieval.query-delay = {{tuning.QueryRefreshMs}}ms
              }
              max-concurrent-recoveries = {{tuning.MaxConcurrentRecoveries}}
            }
            """));
    }

    private static string Quote(string s) => "\"" + s.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";
}

/// <summary>Journal tunables, all overridable from configuration (<c>Loyalty:Journal:*</c>).</summary>
public sealed record PersistenceTuning(
    int BatchSize = 1000,
    int Parallelism = 1,
    int BufferSize = 50_000,
    int MaxRowByRowSize = 1,
    int MaxConcurrentRecoveries = 64,
    int QueryRefreshMs = 100,
    string ReadIsolation = "read-uncommitted",
    bool SingleWriter = true,
    string? ExtraHocon = null)
{
    public static PersistenceTuning Default { get; } = new();
}
