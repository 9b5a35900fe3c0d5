using LoyaltyActors.Actors.Metrics;

namespace LoyaltyActors.Actors.Hosting;

/// <summary>
/// Re-wakes the .NET thread pool when work is queued and none completes: a process-wide background thread that, every
/// <see cref="Interval"/>, queues one empty work item if the pool has had work pending and completed nothing for two
/// looks in a row. Started by every actor system this code builds (<see cref="LoyaltyActorsHosting.ActorSystemConfig"/>).
/// </summary>
/// <remarks>
/// <para>
/// Seen on this 2-core machine under load (an Actors test beside other test processes and builds): 400 new customers
/// recovering stopped dead for 30 s. Sampled 12 s in, the pool had 68 threads, nearly all asleep waiting for work, and 56
/// work items queued; customers held their snapshot and replay answers unread in their mailboxes. The stall ended at the
/// first new work item: the test's 30-s ask timeouts, a debugger attaching (which interrupts the sleeping workers), or
/// a diagnostic's own asks. That is the shape of the runtime's "missed steal" described in dotnet/runtime#128606 (a fix merged in
/// May 2026; this machine runs 10.0.12): a queued item a worker failed to take under contention, while no other worker
/// is on its way to look and nothing new is posted. A new work item makes a worker scan the queues again.
/// </para>
/// <para>
/// Evidence, and its limits (stress runs of the Actors suite beside the Host suite on this machine, 2026-11-23): the
/// unchanged suite stalled this way in 6 of 42 runs. With a check that posts work 12 s into the recovery, 44 runs
/// passed; two stalled and ended right after the check. With this watchdog, 10 runs passed. So new work ending the stall
/// is observed; that the watchdog prevents it is likely, not proven. Most kicks logged in those runs came while the
/// pool's threads were inside long items (blocking I/O, no CPU), where a kick changes nothing and costs an empty item.
/// </para>
/// <para>
/// Cost: one thread waking ten times a second to read two counters. A kick is an empty work item, harmless when the
/// pool was merely busy (every thread inside a long item). Kicks are counted in <c>loyalty_threadpool_kicks_total</c>; on a machine
/// short of CPU some are spurious (the pool was only starved of CPU), which costs an empty item each.
/// </para>
/// </remarks>
public static class ThreadPoolWatchdog
{
    /// <summary>How often the pool is looked at; a stalled pool is kicked after two to three of these.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(100);

    private static int _started;

    /// <summary>Starts the watchdog once per process; later calls do nothing.</summary>
    public static void EnsureStarted()
    {
        if (Interlocked.Exchange(ref _started, 1) != 0) return;
        var detector = new StallDetector(() => ThreadPool.CompletedWorkItemCount, () => ThreadPool.PendingWorkItemCount, Kick);
        new Thread(() =>
        {
            while (true)
            {
                Thread.Sleep(Interval);
                detector.Look();
            }
        })
        {
            IsBackground = true,
            Name = "loyalty-pool-watchdog",
        }.Start();
    }

    private static void Kick(Action ran)
    {
        LoyaltyMetrics.ThreadPoolKicks.Inc();
        ThreadPool.UnsafeQueueUserWorkItem(static done => done(), ran, preferLocal: false);
    }

    /// <summary>The watchdog's decision, apart from the clock and the pool (tests drive it with counters of their own).</summary>
    /// <param name="kick">Posts one work item that calls its argument when it runs.</param>
    internal sealed class StallDetector(Func<long> completed, Func<long> pending, Action<Action> kick)
    {
        /// <summary>Looks in a row without a completed item (and with work pending) before a kick: one quiet look is
        /// often a busy or CPU-starved pool on a loaded machine, not a stalled one.</summary>
        public const int QuietLooks = 2;

        private long _lastCompleted = completed();
        private int _quiet;
        private int _kickOutstanding;

        /// <summary>Kicks when work has been pending and nothing completed for <see cref="QuietLooks"/> looks, unless the
        /// previous kick has not run yet (another would wake nothing more); true when it kicked.</summary>
        public bool Look()
        {
            var now = completed();
            if (now != _lastCompleted || pending() == 0)
            {
                _lastCompleted = now;
                _quiet = 0;
                return false;
            }

            if (++_quiet < QuietLooks || Volatile.Read(ref _kickOutstanding) != 0) return false;
            Volatile.Write(ref _kickOutstanding, 1);
            kick(() => Volatile.Write(ref _kickOutstanding, 0));
            return true;
        }
    }
}
