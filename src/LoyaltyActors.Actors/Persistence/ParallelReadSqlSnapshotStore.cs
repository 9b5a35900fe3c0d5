using Akka.Configuration;
using Akka.Persistence;
using Akka.Persistence.Sql.Snapshot;

namespace LoyaltyActors.Actors.Persistence;

/// <summary>
/// Akka.Persistence.Sql's snapshot store with loads run on the thread pool. On SQLite the plugin's
/// "async" reads complete synchronously, so every recovering customer's snapshot load ran one after
/// the other on this actor's thread. <see cref="LoadAsync"/> of the base class only uses its DAO,
/// which opens a connection per call, so running it concurrently is safe.
/// </summary>
public sealed class ParallelReadSqlSnapshotStore(Config snapshotConfig) : SqlSnapshotStore(snapshotConfig)
{
    protected override Task<SelectedSnapshot?> LoadAsync(string persistenceId, SnapshotSelectionCriteria criteria, CancellationToken cancellationToken) =>
        Task.Run(() => base.LoadAsync(persistenceId, criteria, cancellationToken), cancellationToken);
}
