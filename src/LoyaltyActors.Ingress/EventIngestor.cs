using Akka.Actor;
using LoyaltyActors.Actors.Customers;
using LoyaltyActors.Domain.Customers;
using LoyaltyActors.Domain.Wire;

namespace LoyaltyActors.Ingress;

/// <summary>What became of one submitted event, in the wire's words.</summary>
public sealed record EventOutcome(string? EventId, string Status, string? Error, RejectionKind? Kind = null)
{
    public const string Accepted = "accepted";
    public const string Duplicate = "duplicate";
    public const string Rejected = "rejected";
}

/// <summary>The journal did not confirm a write in time or refused it: nothing may be acknowledged.</summary>
public sealed class StorageUnavailableException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// The one path every source (HTTP, TCP, replay) takes into the customers: groups a batch by customer,
/// sends each customer its commands in one message, and waits for the journal's confirmation.
/// Events of one customer keep their order; different customers are written concurrently.
/// </summary>
public sealed class EventIngestor(IActorRef customers, TimeSpan writeTimeout, Security.CustomerPseudonyms? pseudonyms = null)
{
    private readonly Security.CustomerPseudonyms _pseudonyms = pseudonyms ?? Security.CustomerPseudonyms.None;

    /// <summary>Set when the customers live in this process only (no remoting): their replies need no resolvable address.</summary>
    private readonly IActorRefProvider? _provider = (customers as IInternalActorRef)?.Provider is { DefaultAddress.HasLocalScope: true } p ? p : null;

    public async Task<EventOutcome[]> IngestAsync(IReadOnlyList<WireResult> events, CancellationToken cancellationToken = default)
    {
        var outcomes = new EventOutcome[events.Count];
        // Sized for the batch up front: grown step by step, its tables were 1 % of an ingest server's allocations.
        var byCustomer = new Dictionary<string, (List<CustomerCommand> Commands, List<int> Indexes)>(events.Count, StringComparer.Ordinal);
        for (var i = 0; i < events.Count; i++)
        {
            var e = events[i];
            if (e.Command is not { } command)
            {
                outcomes[i] = new EventOutcome(e.Error!.EventId, EventOutcome.Rejected, e.Error.ToString(), RejectionKind.Invalid);
                continue;
            }

            if (_pseudonyms.Enabled) command = command with { CustomerId = _pseudonyms.Map(command.CustomerId) };

            if (!byCustomer.TryGetValue(command.CustomerId, out var group))
                byCustomer[command.CustomerId] = group = (new List<CustomerCommand>(1), new List<int>(1));
            group.Commands.Add(command);
            group.Indexes.Add(i);
        }

        // One deadline for the whole batch (every customer is asked at once): one timer per request, not one per customer.
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(writeTimeout);
        var groups = new (List<int> Indexes, List<CustomerCommand> Commands)[byCustomer.Count];
        var results = _provider is not null
            ? await CollectLocallyAsync(byCustomer, groups, deadline.Token).ConfigureAwait(false)
            : await AskEachAsync(byCustomer, groups, deadline.Token).ConfigureAwait(false);

        for (var g = 0; g < groups.Length; g++)
        {
            var (indexes, commands) = groups[g];
            var result = results[g]!;
            for (var n = 0; n < indexes.Count; n++)
                outcomes[indexes[n]] = ToOutcome(commands[n].EventId, result.Outcomes[n]);
        }

        return outcomes;
    }

    /// <summary>
    /// In-process replies: one <see cref="ReplyCollector"/> per request, a plain object as each customer's reply-to
    /// (no temporary actor registered, no promise, no task per customer). Only where every customer lives in this process.
    /// </summary>
    private async Task<RecordEventsResult?[]> CollectLocallyAsync(
        Dictionary<string, (List<CustomerCommand> Commands, List<int> Indexes)> byCustomer,
        (List<int> Indexes, List<CustomerCommand> Commands)[] groups, CancellationToken deadline)
    {
        var collector = new ReplyCollector(groups.Length, _provider!);
        var g = 0;
        foreach (var (customerId, group) in byCustomer)
        {
            groups[g] = (group.Indexes, group.Commands);
            customers.Tell(new RecordEvents(customerId, group.Commands), collector.Slot(g));
            g++;
        }

        using var cancel = deadline.Register(static c => ((ReplyCollector)c!).Cancel(), collector);
        try
        {
            await collector.Completion.ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is TaskCanceledException or JournalUnavailableException)
        {
            throw Unavailable(ex);
        }

        return collector.Results;
    }

    /// <summary>One <c>Ask</c> per customer: replies may come from other nodes, so each needs a resolvable temporary actor.</summary>
    private async Task<RecordEventsResult?[]> AskEachAsync(
        Dictionary<string, (List<CustomerCommand> Commands, List<int> Indexes)> byCustomer,
        (List<int> Indexes, List<CustomerCommand> Commands)[] groups, CancellationToken deadline)
    {
        var pending = new Task<RecordEventsResult>[groups.Length];
        var g = 0;
        foreach (var (customerId, group) in byCustomer)
        {
            groups[g] = (group.Indexes, group.Commands);
            pending[g++] = AskAsync(new RecordEvents(customerId, group.Commands), deadline);
        }

        var results = new RecordEventsResult?[groups.Length];
        Exception? failure = null;
        for (var i = 0; i < pending.Length; i++)
        {
            try
            {
                results[i] = await pending[i].ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is AskTimeoutException or TaskCanceledException or JournalUnavailableException)
            {
                failure ??= ex;
            }
        }

        if (failure is not null) throw Unavailable(failure);
        return results;
    }

    private static StorageUnavailableException Unavailable(Exception cause) =>
        new("the journal did not confirm the write in time; retry the request (duplicates are safe)", cause);

    private async Task<RecordEventsResult> AskAsync(RecordEvents message, CancellationToken cancellationToken)
    {
        var reply = await customers.Ask<object>(message, Timeout.InfiniteTimeSpan, cancellationToken).ConfigureAwait(false);
        return reply switch
        {
            RecordEventsResult r => r,
            Status.Failure f => throw (f.Cause as JournalUnavailableException ?? new JournalUnavailableException(f.Cause)),
            _ => throw new InvalidOperationException($"unexpected reply {reply.GetType().Name}"),
        };
    }

    private static EventOutcome ToOutcome(string eventId, Decision decision) => decision switch
    {
        Decision.Accepted => new EventOutcome(eventId, EventOutcome.Accepted, null),
        Decision.Duplicate => new EventOutcome(eventId, EventOutcome.Duplicate, null),
        Decision.Rejected r => new EventOutcome(eventId, EventOutcome.Rejected, r.Error, r.Kind),
        _ => throw new ArgumentOutOfRangeException(nameof(decision)),
    };
}

/// <summary>
/// The replies of every customer of one ingest request. Each customer gets its own <see cref="Slot"/> as the sender of
/// its <see cref="RecordEvents"/>; a customer's reply is a direct call into the slot on the customer's thread (a
/// <see cref="MinimalActorRef"/> has no mailbox), stored by index. <see cref="Completion"/> ends once every customer
/// replied: faulted with <see cref="JournalUnavailableException"/> when any refused the write, canceled by <see cref="Cancel"/>.
/// </summary>
internal sealed class ReplyCollector(int customers, IActorRefProvider provider)
{
    private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly IActorRefProvider _provider = provider;
    private readonly ActorPath _path = provider.TempPath();
    private int _remaining = customers;
    private Exception? _failure;

    public RecordEventsResult?[] Results { get; } = new RecordEventsResult?[customers];

    public Task Completion => Results.Length == 0 ? Task.CompletedTask : _done.Task;

    public IActorRef Slot(int index) => new ReplySlot(this, index);

    public void Cancel() => _done.TrySetCanceled();

    private void Reply(int index, object message)
    {
        switch (message)
        {
            case RecordEventsResult r:
                Results[index] = r;
                break;
            case Status.Failure f:
                Interlocked.CompareExchange(ref _failure, f.Cause as JournalUnavailableException ?? new JournalUnavailableException(f.Cause), null);
                break;
            default:
                Interlocked.CompareExchange(ref _failure, new InvalidOperationException($"unexpected reply {message.GetType().Name}"), null);
                break;
        }

        if (Interlocked.Decrement(ref _remaining) != 0) return;
        if (_failure is { } failure) _done.TrySetException(failure);
        else _done.TrySetResult();
    }

    /// <summary>One customer's reply-to: the first message it receives is that customer's reply; anything later is ignored.</summary>
    private sealed class ReplySlot(ReplyCollector collector, int index) : MinimalActorRef
    {
        private int _replied;

        public override ActorPath Path => collector._path;

        public override IActorRefProvider Provider => collector._provider;

        protected override void TellInternal(object message, IActorRef sender)
        {
            if (Interlocked.Exchange(ref _replied, 1) == 0) collector.Reply(index, message);
        }
    }
}
