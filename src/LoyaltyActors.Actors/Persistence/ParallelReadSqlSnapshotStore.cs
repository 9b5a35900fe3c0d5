using Akka.Configuration;
using Akka.Persistence;
using Akka.Persistence.Sql.Snapshot;

namespace LoyaltyActors.Actors.Persistence;

/// <summary>
/// Akka.Persistence.Sql's snapshot store with loads run on the thread pool. On SQLite the plugin's
/// "async" reads complete synchronously, so every recovering customer's snapshot load ran one after
/// the other on this actor's thread. <see cref="LoadAsync"/> of the base class only uses its DAO,
/// which opens a connection per call, so running it concurrently is safe. With
/// <c>known-ids-cache = on</c> (single writer only) a customer that never saved a snapshot is answered
/// without a query.
/// </summary>
public sealed class ParallelReadSqlSnapshotStore : SqlSnapshotStore
{
    private readonly KnownIds? _known;

    public ParallelReadSqlSnapshotStore(Config snapshotConfig)
        : base(snapshotConfig)
    {
        if (snapshotConfig.GetBoolean("known-ids-cache", false))
            _known = KnownIds.Load(snapshotConfig.GetString("connection-string"), "snapshot");
    }

    protected override Task<SelectedSnapshot?> LoadAsync(string persistenceId, SnapshotSelectionCriteria criteria, CancellationToken cancellationToken)
    {
        if (_known is not null && !_known.MayContain(persistenceId)) return Task.FromResult<SelectedSnapshot?>(null);
        return Task.Run(() => base.LoadAsync(persistenceId, criteria, cancellationToken), cancellationToken);
    }

    protected override Task SaveAsync(SnapshotMetadata metadata, object snapshot, CancellationToken cancellationToken)
    {
        _known?.Add(metadata.PersistenceId);
        return base.SaveAsync(metadata, snapshot, cancellationToken);
    }
}
