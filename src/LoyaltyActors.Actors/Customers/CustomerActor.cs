using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Event;
using Akka.Persistence;
using Akka.Streams;
using LoyaltyActors.Domain.Customers;

namespace LoyaltyActors.Actors.Customers;

/// <summary>
/// One customer: decides commands against its state, persists the resulting events as one atomic
/// batch, folds them, and replies once — after the journal has them. Its parent (the local region or a cluster
/// shard) stops it when idle (after <see cref="CustomerSettings.PassivateAfter"/>, with <see cref="StopCustomer"/>); a
/// customer that recorded nothing asks its parent to passivate it at once.
/// </summary>
public sealed class CustomerActor : UntypedPersistentActor
{
    public const string PersistencePrefix = "customer-";

    private readonly string _customerId;
    private readonly CustomerSettings _settings;
    private CustomerState _state = CustomerState.Empty;
    private int _eventsSinceSnapshot;
    private IActorRef? _awaitingWrite;
    private long? _recoveredFromSnapshotAt;
    private IActorRef? _awaitingErase;

    /// <remarks>
    /// Handlers are two switches rather than per-instance Receive registrations: a customer actor is created by the
    /// hundred thousand, and registered handlers cost every instance its own delegates and tables.
    /// </remarks>
    public CustomerActor(string customerId, CustomerSettings settings)
    {
        _customerId = customerId;
        _settings = settings;
    }

    protected override void OnRecover(object message)
    {
        switch (message)
        {
            case SnapshotOffer offer:
                _state = (CustomerState)offer.Snapshot;
                _recoveredFromSnapshotAt = offer.Metadata.SequenceNr;
                break;
            case CustomerEvent e:
                _state = _state.Apply(e);
                _eventsSinceSnapshot++;
                break;
        }
    }

    protected override void OnCommand(object message)
    {
        switch (message)
        {
            case RecordEvents cmd:
                Record(cmd);
                break;
            case GetProfile q:
                if (q.AsOf is { } asOf && _state.EventCount > 0 && !(_state.LastEventAt <= asOf))
                    ProfileAsOf(asOf).PipeTo(Sender);
                else
                    Sender.Tell(new ProfileResult(_state.EventCount == 0 ? null : Profile(_state, q.AsOf)));
                PassivateIfEmpty();
                break;
            case GetSummary q:
                if (!(q.FrequencyMultiplier > 0) || !double.IsFinite(q.FrequencyMultiplier))
                {
                    Sender.Tell(new Status.Failure(new ArgumentOutOfRangeException(nameof(q.FrequencyMultiplier), "freq_multiplier must be a positive number")));
                    break;
                }

                Sender.Tell(new SummaryResult(_state.EventCount > 0,
                    LifetimesSummaries.Compute(_state.PurchaseDays, q.AsOf, q.Frequency, q.FrequencyMultiplier)));
                PassivateIfEmpty();
                break;
            case GetCustomerState:
                Sender.Tell(new CustomerStateResult(_state, _recoveredFromSnapshotAt, LastSequenceNr));
                break;
            case GetPurchasedItems q:
                PurchasedItems(q);
                break;
            case RebuildCustomer:
                RebuildFromJournal().PipeTo(Self, Sender);
                break;
            case EraseCustomerData:
                Erase();
                break;
            case DeleteMessagesSuccess d:
                _awaitingErase?.Tell(new EraseCustomerResult(true, d.ToSequenceNr));
                _awaitingErase = null;
                break;
            case DeleteMessagesFailure f:
                Log.Warning(f.Cause, "Deleting an erased customer's events failed; the erasure must be retried");
                _awaitingErase?.Tell(new Status.Failure(new JournalUnavailableException(f.Cause)));
                _awaitingErase = null;
                break;
            case Rebuilt r:
                var matched = Serialization.BinaryCodec.Write(r.State).AsSpan().SequenceEqual(Serialization.BinaryCodec.Write(_state));
                _state = r.State;
                if (_state.EventCount > 0)
                {
                    SaveSnapshot(_state);
                    _eventsSinceSnapshot = 0;
                }

                Sender.Tell(new RebuildCustomerResult(_customerId, r.Events, matched));
                break;
            case SaveSnapshotSuccess ok:
                DeleteSnapshots(new SnapshotSelectionCriteria(ok.Metadata.SequenceNr - 1));
                break;
            case SaveSnapshotFailure f:
                Log.Warning(f.Cause, "A customer snapshot failed; the journal still has every event");
                break;
            case DeleteSnapshotsSuccess:
                break;
            case DeleteSnapshotsFailure f:
                Log.Warning(f.Cause, "Deleting a customer's old snapshots failed");
                break;
            case StopCustomer:
                Context.Stop(Self);
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    private void PurchasedItems(GetPurchasedItems q)
    {
        var bought = new HashSet<string>(StringComparer.Ordinal);
        foreach (var order in _state.OrdersById.Values)
            foreach (var line in order.Lines)
                bought.Add(line.Sku);
        var recent = _state.OrdersById.Values
            .OrderByDescending(o => o.At)
            .Take(Math.Max(1, q.RecentOrders))
            .SelectMany(o => o.Lines.Select(l => l.Sku))
            .Distinct(StringComparer.Ordinal)
            .ToList();
        Sender.Tell(new PurchasedItemsResult(_state.EventCount > 0, recent, bought));
        PassivateIfEmpty();
    }

    public override string PersistenceId => PersistencePrefix + _customerId;

    /// <summary>Every customer's deployment: its small mailbox. One instance, shared by every customer's props.</summary>
    private static readonly Deploy CustomerDeploy = Deploy.None.WithMailbox(CustomerMailbox.Id);

    /// <remarks>
    /// The props stay with the actor while it lives: they are built directly on the shared deployment (a
    /// <c>WithMailbox</c> per customer would copy the deployment for each one).
    /// </remarks>
    public static Props Props(string customerId, CustomerSettings settings) =>
        new(CustomerDeploy, typeof(CustomerActor), customerId, settings);

    private void Record(RecordEvents cmd)
    {
        var outcomes = new Decision[cmd.Commands.Count];
        var accepted = new List<CustomerEvent>(cmd.Commands.Count);
        var working = _state;
        for (var i = 0; i < outcomes.Length; i++)
        {
            var decision = CustomerDecider.Decide(working, cmd.Commands[i], _settings.Program);
            outcomes[i] = decision;
            if (decision is Decision.Accepted a)
            {
                accepted.AddRange(a.Events);
                working = a.After ?? working.ApplyAll(a.Events);
                // The reply may cross the cluster: it carries the outcome, never the customer's state.
                if (a.After is not null) outcomes[i] = a with { After = null };
            }
        }

        var result = new RecordEventsResult(outcomes);
        if (accepted.Count == 0)
        {
            Sender.Tell(result);
            PassivateIfEmpty();
            return;
        }

        // One PersistAll = one AtomicWrite: the journal groups it with other customers' writes into a
        // single transaction, and the reply below runs only after that transaction committed. The events are
        // folded once, above: working is _state with exactly these events applied in this order (the fold is pure
        // and nothing else changes _state while the write is in flight), and it is kept only once all are durable.
        var replyTo = Sender;
        _awaitingWrite = replyTo;
        var remaining = accepted.Count;
        PersistAll(accepted, _ =>
        {
            if (--remaining > 0) return;
            _state = working;
            _eventsSinceSnapshot += accepted.Count;
            _awaitingWrite = null;
            replyTo.Tell(result);
            PublishRewards(accepted);
            if (_eventsSinceSnapshot >= _settings.SnapshotEvery)
            {
                SaveSnapshot(_state);
                _eventsSinceSnapshot = 0;
            }
        });
    }

    /// <summary>
    /// Persists the tombstone, then deletes every earlier event and every snapshot; replies once the events are deleted.
    /// The actor then stops: its next incarnation recovers from the tombstone alone, an empty customer.
    /// </summary>
    private void Erase()
    {
        if (_state.EventCount == 0)
        {
            Sender.Tell(new EraseCustomerResult(false, 0));
            PassivateIfEmpty();
            return;
        }

        var decision = (Decision.Accepted)CustomerDecider.Decide(_state, new EraseCustomer(_customerId, _settings.Clock.GetCurrentInstant()), _settings.Program);
        var replyTo = Sender;
        _awaitingWrite = replyTo;
        Persist(decision.Event, e =>
        {
            _awaitingWrite = null;
            _state = _state.Apply(e);
            _eventsSinceSnapshot = 0;
            _awaitingErase = replyTo;
            DeleteSnapshots(new SnapshotSelectionCriteria(long.MaxValue));
            DeleteMessages(LastSequenceNr - 1);
        });
    }

    /// <summary>
    /// Rewards just made durable go to the event stream at once (the notification fast path); the notification
    /// projection reads the same events from the journal, so nothing depends on this publication arriving.
    /// </summary>
    private void PublishRewards(List<CustomerEvent> persisted)
    {
        List<RewardIssued>? rewards = null;
        foreach (var e in persisted)
            if (e is RewardIssued r)
                (rewards ??= []).Add(r);
        if (rewards is not null) Context.System.EventStream.Publish(new RewardsPersisted(_customerId, rewards));
    }

    /// <summary>
    /// The profile as it was at <paramref name="asOf"/> (business time): this customer's own journal
    /// folded from the start, keeping the events that occurred up to that instant. Other customers are
    /// not touched, and nothing is written.
    /// </summary>
    private async Task<ProfileResult> ProfileAsOf(NodaTime.Instant asOf)
    {
        var (state, _) = await FoldOwnJournal(e => e.OccurredAt <= asOf);
        return new ProfileResult(state.EventCount == 0 ? null : Profile(state, asOf));
    }

    private async Task<Rebuilt> RebuildFromJournal()
    {
        var (state, events) = await FoldOwnJournal(_ => true);
        return new Rebuilt(state, events);
    }

    /// <summary>This customer's journal from its first event, ignoring snapshots, folded over the events kept.</summary>
    private async Task<(CustomerState State, long Events)> FoldOwnJournal(Func<CustomerEvent, bool> keep)
    {
        var state = CustomerState.Empty;
        long events = 0;
        await Projections.JournalEvents.ReadJournal(Context.System)
            .CurrentEventsByPersistenceId(PersistenceId, 0, LastSequenceNr)
            .RunForeach(envelope =>
            {
                if (envelope.Event is not CustomerEvent e || !keep(e)) return;
                // A return can only be folded onto the order it refers to (an as-of cut may drop the order).
                if (e is ReturnRecorded r && !state.OrdersById.ContainsKey(r.OrderId)) return;
                state = state.Apply(e);
                events++;
            }, Context.System.Materializer());
        return (state, events);
    }

    /// <summary>The state folded from the journal alone; applied on the actor's thread.</summary>
    private sealed record Rebuilt(CustomerState State, long Events);

    private CustomerProfile Profile(CustomerState state, NodaTime.Instant? asOf) =>
        CustomerProfileBuilder.Build(_customerId, state, asOf ?? _settings.Clock.GetCurrentInstant(),
            _settings.Scoring, _settings.Population.Current, state.Tier).WithProgram(state, _settings.Program);

    private void PassivateIfEmpty()
    {
        // A query for an id nobody has used must not keep an actor alive.
        if (_state.EventCount == 0) Context.Parent.Tell(new Passivate(StopCustomer.Instance));
    }

    protected override void OnPersistFailure(Exception cause, object @event, long sequenceNr)
    {
        _awaitingWrite?.Tell(new Status.Failure(new JournalUnavailableException(cause)));
        _awaitingWrite = null;
        base.OnPersistFailure(cause, @event, sequenceNr);
    }

    protected override void OnPersistRejected(Exception cause, object @event, long sequenceNr)
    {
        _awaitingWrite?.Tell(new Status.Failure(new JournalUnavailableException(cause)));
        _awaitingWrite = null;
        base.OnPersistRejected(cause, @event, sequenceNr);
    }
}

/// <summary>The journal could not take the write; nothing of that batch was acknowledged.</summary>
public sealed class JournalUnavailableException(Exception inner)
    : Exception("The journal did not accept the write: " + inner.Message, inner);
