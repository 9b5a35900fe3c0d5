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
        // The single-writer shortcuts (known-id caches) hold only while this process is the database's one writer:
        // the embedded SQLite file. PostgreSQL may be shared by a cluster (or an offline command next to a server).
        var knownIds = journal.IsSqlite && tuning.SingleWriter ? "on" : "off";
        var replayFilter = journal.IsSqlite && tuning.SingleWriter ? "off" : "repair-by-discard-old";
        // On SQLite our subclasses (group commit, reads off the plugin threads) are what makes it fast. Npgsql is
        // truly asynchronous, so the stock journal's own batching already groups writes; the stock classes are used.
        var journalClass = journal.IsSqlite ? typeof(GroupCommitSqlJournal) : typeof(Akka.Persistence.Sql.Journal.SqlWriteJournal);
        var snapshotClass = journal.IsSqlite ? typeof(ParallelReadSqlSnapshotStore) : typeof(Akka.Persistence.Sql.Snapshot.SqlSnapshotStore);
        // PostgreSQL has no read-uncommitted (it reads committed anyway); say what it does.
        var readIsolation = journal.IsSqlite ? tuning.ReadIsolation : "read-committed";
        // Projections follow the journal's ordering column. With several writers (cluster nodes) an ordering number is
        // taken when a row is inserted but visible only when its transaction commits, so numbers can appear out of
        // order; the query side waits max-tries × query-delay for a gap to fill before it takes the gap as a rolled-back
        // write and moves past it. 100 tries of 200 ms = 20 s, far above a journal transaction here.
        var gapTries = journal.IsSqlite ? "" : "journal-sequence-retrieval.max-tries = 100";
        var gapDelay = journal.IsSqlite ? tuning.QueryRefreshMs : Math.Max(tuning.QueryRefreshMs, 200);
        var provider = Quote(journal.LinqToDbProvider);
        return overrides.WithFallback(ConfigurationFactory.ParseString($$"""
            akka.persistence {
              journal {
                plugin = "akka.persistence.journal.sql"
                # Started with the persistence extension rather than by the first customer: the journal and the snapshot
                # store create their tables and load their known ids while the system starts, not while customers wait.
                auto-start-journals = ["akka.persistence.journal.sql"]
                sql {
                  class = "{{journalClass.AssemblyQualifiedName}}"
                  plugin-dispatcher = "{{JournalDispatcher}}"
                  group-commit-max-rows = {{tuning.BatchSize}}
                  known-ids-cache = {{knownIds}}
                  # The replay filter guards against two writers of one customer (old events interleaved after a split
                  # brain). A single writer has none, and the filter is an actor the journal creates for every recovery,
                  # on its one thread: off there, on wherever a cluster shares the database.
                  replay-filter.mode = {{replayFilter}}
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
                  read-isolation-level = {{readIsolation}}
                }
              }
              snapshot-store {
                plugin = "akka.persistence.snapshot-store.sql"
                auto-start-snapshot-stores = ["akka.persistence.snapshot-store.sql"]
                sql {
                  class = "{{snapshotClass.AssemblyQualifiedName}}"
                  plugin-dispatcher = "{{SnapshotDispatcher}}"
                  known-ids-cache = {{knownIds}}
                  connection-string = {{cs}}
                  provider-name = {{provider}}
                  auto-initialize = true
                  warn-on-auto-init-fail = false
                  read-isolation-level = {{readIsolation}}
                }
              }
              query.journal.sql {
                connection-string = {{cs}}
                provider-name = {{provider}}
                write-plugin = "akka.persistence.journal.sql"
                tag-read-mode = Csv
                read-isolation-level = {{readIsolation}}
                refresh-interval = {{tuning.QueryRefreshMs}}ms
                journal-sequence-retrieval.query-delay = {{gapDelay}}ms
                {{gapTries}}
              }
              max-concurrent-recoveries = {{tuning.MaxConcurrentRecoveries}}
            }
            # A thread of its own for the journal and for the snapshot store (a dispatcher each, on an executor of one
            # thread). Akka.Persistence.Sql's journal materialises its write stream when it starts, and Akka.Streams waits
            # for a stream supervisor that has not started yet with a blocking Ask (up to akka.actor.creation-timeout,
            # 20 s). On the shared thread pool, with hundreds of customers starting at once, such waits starved it: a
            # stalled test, caught 8 s in, had 12 pool threads blocked in synchronous task waits, 380 work items queued
            # and no customer recovered (30+ s). The executor is ours rather than a PinnedDispatcher's: see
            # DedicatedThreadExecutor for what the pinned one cost while idle.
            {{JournalDispatcher}} {
              type = Dispatcher
              executor = "{{Executor}}"
            }
            {{SnapshotDispatcher}} {
              type = Dispatcher
              executor = "{{Executor}}"
            }
            """));
    }

    /// <summary>The journal's dispatcher: one thread of its own (see the configuration above).</summary>
    public const string JournalDispatcher = "loyalty-persistence-journal-dispatcher";

    /// <summary>The snapshot store's dispatcher: one thread of its own.</summary>
    public const string SnapshotDispatcher = "loyalty-persistence-snapshot-dispatcher";

    private static readonly string Executor = typeof(DedicatedThreadExecutorConfigurator).AssemblyQualifiedName!;

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
