using Akka.Actor;
using LoyaltyActors.Actors.Projections;
using LoyaltyActors.Storage;

namespace LoyaltyActors.Actors.Cluster;

/// <summary>
/// The cluster singleton around journal projections. Each incarnation (on whichever node is oldest) builds its
/// projections from nothing and folds the whole journal before it follows it live: the models saved on one node's
/// disk cannot be read by the node that takes over, and a model rebuilt from the shared journal counts every event
/// exactly once, whatever the previous host had applied or saved. Cost: a full read of the journal per takeover
/// (see README, Cluster). Queries are forwarded to the <see cref="ProjectionActor"/> child.
/// </summary>
public sealed class RebuildingProjectionHost : ReceiveActor
{
    private readonly Func<ModelStore, IReadOnlyList<JournalProjection>> _build;
    private readonly string _storePath;
    private readonly ProjectionSettings _settings;
    private ModelStore? _store;
    private IActorRef _projections = ActorRefs.Nobody;

    public RebuildingProjectionHost(Func<ModelStore, IReadOnlyList<JournalProjection>> build, string storePath, ProjectionSettings settings)
    {
        _build = build;
        _storePath = storePath;
        _settings = settings;
        ReceiveAny(m => _projections.Forward(m));
    }

    public static Props Props(Func<ModelStore, IReadOnlyList<JournalProjection>> build, string storePath, ProjectionSettings settings) =>
        Akka.Actor.Props.Create(() => new RebuildingProjectionHost(build, storePath, settings));

    protected override void PreStart()
    {
        // A scratch store, emptied at every takeover: the projections start from offset 0 (rebuild from the journal).
        var logFile = Path.Combine(Path.GetDirectoryName(_storePath) ?? "", Path.GetFileNameWithoutExtension(_storePath) + "-log" + Path.GetExtension(_storePath));
        foreach (var file in new[] { _storePath, logFile })
        {
            if (File.Exists(file)) File.Delete(file);
        }

        _store = new ModelStore(_storePath);
        _projections = Context.ActorOf(ProjectionActor.Props(_build(_store), _store, _settings), "projections");
    }

    protected override void PostStop() => _store?.Dispose();
}
