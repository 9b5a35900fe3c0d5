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

    public async Task<EventOutcome[]> IngestAsync(IReadOnlyList<WireResult> events, CancellationToken cancellationToken = default)
    {
        var outcomes = new EventOutcome[events.Count];
        var byCustomer = new Dictionary<string, (List<CustomerCommand> Commands, List<int> Indexes)>(StringComparer.Ordinal);
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
                byCustomer[command.CustomerId] = group = ([], []);
            group.Commands.Add(command);
            group.Indexes.Add(i);
        }

        // One deadline for the whole batch (every customer is asked at once): one timer per request, not one per customer.
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(writeTimeout);
        var pending = new List<(Task<RecordEventsResult> Reply, List<int> Indexes, List<CustomerCommand> Commands)>(byCustomer.Count);
        foreach (var (customerId, group) in byCustomer)
            pending.Add((AskAsync(new RecordEvents(customerId, group.Commands), deadline.Token), group.Indexes, group.Commands));

        Exception? failure = null;
        foreach (var (reply, indexes, commands) in pending)
        {
            RecordEventsResult result;
            try
            {
                result = await reply.ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is AskTimeoutException or TaskCanceledException or JournalUnavailableException)
            {
                failure ??= ex;
                continue;
            }

            for (var n = 0; n < indexes.Count; n++)
                outcomes[indexes[n]] = ToOutcome(commands[n].EventId, result.Outcomes[n]);
        }

        if (failure is not null)
            throw new StorageUnavailableException("the journal did not confirm the write in time; retry the request (duplicates are safe)", failure);
        return outcomes;
    }

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
