using LoyaltyActors.Ingress;
using LoyaltyActors.Ingress.Replay;

namespace LoyaltyActors.Host.Replay;

/// <summary>Where a replay's commands go: a running server, the customer actors offline, or the bulk journal path.</summary>
internal interface IReplaySink
{
    /// <summary>Takes one command; may wait (back-pressure) while earlier ones are being written.</summary>
    ValueTask AddAsync(ReplayItem item, CancellationToken ct);

    /// <summary>Outcomes now durable (or final without a write), in the order their commands were added; each handed out once.</summary>
    IEnumerable<(ReplayItem Item, EventOutcome Outcome)> TakeDurable();

    /// <summary>Sends what is left and waits until every outcome is durable.</summary>
    Task CompleteAsync(CancellationToken ct);
}
