using Akka.Configuration;
using Akka.Dispatch;

namespace LoyaltyActors.Actors.Persistence;

/// <summary>
/// An Akka executor (<c>executor = "…DedicatedThreadExecutorConfigurator, LoyaltyActors.Actors"</c>) that runs every
/// mailbox of its dispatcher on one thread of its own, which waits on a monitor when there is nothing to run.
/// </summary>
/// <remarks>
/// The journal and the snapshot store need a thread each, off the shared pool (see <see cref="PersistenceHocon"/>).
/// Akka's <c>PinnedDispatcher</c> gives them one through Helios' dedicated thread pool, whose idle thread yields with
/// <c>Thread.Sleep(0)</c> up to 100 times (on 2 cores) before it blocks. A plugin goes idle between almost every
/// message during a bulk recovery, and profiled on a cold restart those yields were 5 % of the server's CPU (perf: 447
/// samples of 8,460 in <c>UnfairSemaphore.Wait</c> on the two plugin threads).
/// </remarks>
public sealed class DedicatedThreadExecutorConfigurator(Config config, IDispatcherPrerequisites prerequisites)
    : ExecutorServiceConfigurator(config, prerequisites)
{
    /// <summary>A new thread for each executor the dispatcher asks for (it asks again after shutting an idle one down).</summary>
    public override ExecutorService Produce(string id) => new DedicatedThreadExecutor(id);
}

/// <summary>One background thread running what it is given in the order given, until <see cref="Shutdown"/>.</summary>
/// <remarks>
/// An idle thread waits on its monitor at once, without spinning or yielding. A <see cref="SemaphoreSlim"/> (which
/// spins, then yields up to 25 times) measured about the same (plugin threads 4.8 % of the samples against 4.4 %); what
/// is left either way is the futex sleep and wake-up.
/// </remarks>
public sealed class DedicatedThreadExecutor : ExecutorService
{
    private readonly Queue<IRunnable> _queue = new();
    private readonly object _gate = new();
    private readonly Thread _thread;
    private bool _waiting;
    private bool _shutdown;

    public DedicatedThreadExecutor(string id)
        : base(id)
    {
        _thread = new Thread(Run) { IsBackground = true, Name = id };
        _thread.Start();
    }

    /// <summary>The thread that runs everything given to this executor (tests).</summary>
    internal Thread Thread => _thread;

    public override void Execute(IRunnable run)
    {
        lock (_gate)
        {
            _queue.Enqueue(run);
            if (_waiting) Monitor.Pulse(_gate);
        }
    }

    /// <summary>
    /// Akka shuts an executor down once its dispatcher has had no actor for <c>shutdown-timeout</c>, and produces a new one
    /// when an actor comes back. What was queued before still runs; the thread then exits.
    /// </summary>
    public override void Shutdown()
    {
        lock (_gate)
        {
            _shutdown = true;
            if (_waiting) Monitor.Pulse(_gate);
        }
    }

    private void Run()
    {
        while (true)
        {
            IRunnable run;
            lock (_gate)
            {
                while (_queue.Count == 0)
                {
                    if (_shutdown) return;
                    _waiting = true;
                    Monitor.Wait(_gate);
                    _waiting = false;
                }

                run = _queue.Dequeue();
            }

            try
            {
                run.Run();
            }
            catch (Exception)
            {
                // As the fork-join executor this replaces: a mailbox handles its actors' failures itself, and an
                // exception escaping here must not end the thread (and with it the process).
            }
        }
    }
}
