using Akka.Actor;

namespace LoyaltyActors.Actors.Persistence;

/// <summary>
/// A message the journal and the snapshot store send themselves every <see cref="Interval"/> and ignore: its only effect
/// is that their mailbox is looked at again.
/// </summary>
/// <remarks>
/// Under load (the Actors suite beside the Host suite on 2 cores) 400 recovering customers sometimes stopped for 30 s
/// (6 of 42 runs). Sampled during a stall: the journal's mailbox held 40 unread messages while its thread sat idle with
/// nothing queued, customers held their answers unread, and every stall ended the moment anything sent the journal a
/// message (a diagnostic's Identify). Not the plugins' executor: the stall also happened on Akka's PinnedDispatcher.
/// Not a stalled thread pool: a watchdog that posted pool work did not end it. The lost wake-up itself is not found; this
/// bounds what it costs. Ten messages a second per plugin, each ignored.
/// </remarks>
public sealed class MailboxNudge
{
    public static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(100);

    public static MailboxNudge Instance { get; } = new();

    private MailboxNudge()
    {
    }

    /// <summary>Starts nudging <paramref name="self"/>; cancel the result when the actor stops.</summary>
    public static ICancelable Start(IActorContext context) =>
        context.System.Scheduler.ScheduleTellRepeatedlyCancelable(Interval, Interval, context.Self, Instance, ActorRefs.NoSender);
}
