using Akka;
using Akka.Actor;
using Akka.Event;
using Akka.Persistence.Query;
using Akka.Streams;
using Akka.Streams.Dsl;
using LoyaltyActors.Actors.Customers;
using LoyaltyActors.Domain.Customers;
using LoyaltyActors.Storage;

namespace LoyaltyActors.Actors.Projections;

/// <summary>
/// A model folded from the journal: it remembers the offset of the last event it applied, and it is
/// saved together with that offset, so a restart resumes right after it: nothing counted twice, nothing missed.
/// </summary>
public abstract class JournalProjection
{
    /// <summary>The name it is stored under in the <see cref="ModelStore"/>.</summary>
    public abstract string Name { get; }

    /// <summary>Journal offset (ordering) of the last event applied; 0 before any.</summary>
    public long Offset { get; protected set; }

    /// <summary>
    /// Events of customers (not the program's own derived events: expiry, tiers, rewards, timers) applied since the
    /// model was created (survives snapshots).
    /// </summary>
    public long EventsConsumed { get; protected set; }

    /// <summary>Applies one customer event; called in journal order, each offset once.</summary>
    public void Apply(JournalEvent e)
    {
        if (e.Offset <= Offset) return;
        When(e.CustomerId, e.Event);
        Offset = e.Offset;
        if (e.Event is not ProgramEvent) EventsConsumed++;
    }

    protected abstract void When(string customerId, CustomerEvent e);

    /// <summary>Called by the live host after each batch of events it applied, before any save (e.g. to hand work over in bulk).</summary>
    public virtual void AfterBatch()
    {
    }

    /// <summary>Saves model and offset in one write.</summary>
    public abstract void Save(ModelStore store);

    /// <summary>Work to do now and then (e.g. a k-means sweep); called by the host, never inside Apply.</summary>
    public virtual void Tick()
    {
    }

    /// <summary>Facts to publish on the event stream (e.g. segment changes) since the last call.</summary>
    public virtual IReadOnlyList<object> DrainNotifications() => [];

    /// <summary>Answers a query about the model, or returns null for a message it does not know.</summary>
    public abstract object? Answer(object query);

    /// <summary>Applies every event stored after <see cref="Offset"/> and returns; for offline commands.</summary>
    public async Task CatchUpAsync(ActorSystem system, CancellationToken cancellationToken = default)
    {
        await JournalEvents.CurrentCustomerEvents(system, Offset)
            .RunForeach(Apply, system.Materializer());
        cancellationToken.ThrowIfCancellationRequested();
    }
}

/// <summary>
/// Groups journal events for a consumer that takes one batch at a time: what arrived while it was busy, up to
/// <c>max</c>, handed over as soon as it asks. A single event is handed over at once (a time window such as
/// <c>GroupedWithin(1000, 20 ms)</c> held it up to 20 ms: half the event-to-notification latency), and under load
/// the batches fill up while the consumer works, as before.
/// </summary>
public static class JournalBatches
{
    public static Flow<JournalEvent, IList<JournalEvent>, NotUsed> UpTo(int max) =>
        Flow.Create<JournalEvent>().Batch(max, e => (IList<JournalEvent>)new List<JournalEvent>(16) { e }, (batch, e) =>
        {
            batch.Add(e);
            return batch;
        });

    /// <summary>
    /// The same for events that arrive in batches already: a batch that arrives alone goes on as it is, and batches that
    /// wait together are joined into one list of at most <paramref name="max"/> events. A batch is never split: one of
    /// more than <paramref name="max"/> events (a large commit) goes on alone.
    /// </summary>
    public static Flow<JournalEvent[], IList<JournalEvent>, NotUsed> Joined(int max) =>
        Flow.Create<JournalEvent[]>().BatchWeighted(max, batch => batch.Length, batch => (IList<JournalEvent>)batch, (joined, batch) =>
        {
            if (joined is not List<JournalEvent> list)
            {
                list = new List<JournalEvent>(joined.Count + batch.Length);
                list.AddRange(joined);
            }

            list.AddRange(batch);
            return list;
        });
}

/// <summary>
/// How often a projection host saves its model and runs <see cref="JournalProjection.Tick"/>. A save writes the
/// whole model, and the journal is the source of truth (a restart catches up from the saved offset), so saves are
/// rare: every 30 s or 250,000 events. At 10,000 events per save the recommender's saves alone took ~9 % of the
/// server's CPU under HTTP ingest.
/// </summary>
public sealed record ProjectionSettings(int SaveEveryEvents = 250_000, TimeSpan? SaveInterval = null, TimeSpan? TickInterval = null)
{
    public TimeSpan SaveEvery => SaveInterval ?? TimeSpan.FromSeconds(30);
    public TimeSpan TickEvery => TickInterval ?? TimeSpan.FromSeconds(5);
}

/// <summary>
/// Runs <see cref="JournalProjection"/>s live: follows the journal from the smallest of their offsets
/// (polling for new events) with one stream, so each event is read and deserialised once for all of
/// them; applies events in order with back-pressure (each projection skips what it already has);
/// answers queries from memory; saves every model with its offset every N events, every T seconds and
/// when stopped.
/// </summary>
public sealed class ProjectionActor : ReceiveActor, IWithTimers
{
    private readonly IReadOnlyList<JournalProjection> _projections;
    private readonly ModelStore _store;
    private readonly ProjectionSettings _settings;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private long _appliedSinceSave;
    private UniqueKillSwitch? _killSwitch;
    private ActorMaterializer? _materializer;

    /// <summary>
    /// This actor's own materializer, made once: its supervisor is a child, started as it is made. The system's
    /// materializer, while its supervisor had not started yet, materialised with a blocking Ask on a pool thread.
    /// </summary>
    private ActorMaterializer Materializer => _materializer ??= Context.Materializer();

    public ProjectionActor(IReadOnlyList<JournalProjection> projections, ModelStore store, ProjectionSettings settings)
    {
        _projections = projections;
        _store = store;
        _settings = settings;

        Receive<StreamInit>(_ => Sender.Tell(Ack.Instance));
        Receive<IList<JournalEvent>>(batch =>
        {
            foreach (var projection in _projections)
            {
                foreach (var e in batch) projection.Apply(e);
                projection.AfterBatch();
                foreach (var n in projection.DrainNotifications()) Context.System.EventStream.Publish(n);
            }

            _appliedSinceSave += batch.Count;
            if (_appliedSinceSave >= _settings.SaveEveryEvents) Save();
            Sender.Tell(Ack.Instance);
        });
        Receive<StreamFailed>(f =>
        {
            _log.Error(f.Cause, "Projections lost their journal stream at offset {0}; restarting it", StartOffset());
            StartStream();
        });
        Receive<StreamCompleted>(_ => { });
        Receive<SaveNow>(_ =>
        {
            if (_appliedSinceSave > 0) Save();
        });
        Receive<TickNow>(_ =>
        {
            foreach (var projection in _projections) projection.Tick();
        });
        ReceiveAny(query =>
        {
            foreach (var projection in _projections)
            {
                if (projection.Answer(query) is not { } answer) continue;
                Sender.Tell(answer);
                return;
            }

            Unhandled(query);
        });
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(IReadOnlyList<JournalProjection> projections, ModelStore store, ProjectionSettings settings) =>
        Akka.Actor.Props.Create(() => new ProjectionActor(projections, store, settings));

    private long StartOffset() => _projections.Min(p => p.Offset);

    protected override void PreStart()
    {
        Timers.StartPeriodicTimer("save", SaveNow.Instance, _settings.SaveEvery);
        Timers.StartPeriodicTimer("tick", TickNow.Instance, _settings.TickEvery);
        StartStream();
    }

    protected override void PostStop()
    {
        _killSwitch?.Shutdown();
        Save();
    }

    private void StartStream()
    {
        _killSwitch?.Shutdown();
        _killSwitch = JournalEvents.LiveCustomerEventBatches(Context.System, StartOffset(), 1000)
            .ViaMaterialized(KillSwitches.Single<IList<JournalEvent>>(), Keep.Right)
            .To(Sink.ActorRefWithAck<IList<JournalEvent>>(Self, StreamInit.Instance, Ack.Instance, StreamCompleted.Instance, ex => new StreamFailed(ex)))
            .Run(Materializer);
    }

    private void Save()
    {
        foreach (var projection in _projections)
        {
            try
            {
                projection.Save(_store);
                _log.Info("Saved projection {0} at offset {1} ({2} events consumed)", projection.Name, projection.Offset, projection.EventsConsumed);
            }
            catch (Exception ex)
            {
                // The journal still has every event; the next save (or a restart from the older snapshot) catches up.
                _log.Warning(ex, "Saving projection {0} at offset {1} failed", projection.Name, projection.Offset);
            }
        }

        _appliedSinceSave = 0;
    }

    private sealed class StreamInit
    {
        public static readonly StreamInit Instance = new();
    }

    private sealed class Ack
    {
        public static readonly Ack Instance = new();
    }

    private sealed class StreamCompleted
    {
        public static readonly StreamCompleted Instance = new();
    }

    private sealed record StreamFailed(Exception Cause);

    private sealed class SaveNow
    {
        public static readonly SaveNow Instance = new();
    }

    private sealed class TickNow
    {
        public static readonly TickNow Instance = new();
    }
}
