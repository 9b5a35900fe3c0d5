using System.Runtime.InteropServices;

namespace LoyaltyActors.Host.Replay;

/// <summary>
/// Lowers the scheduling priority of the calling thread, for the first stage of a pipeline that keeps every core busy
/// (a bulk replay: reader, decider, journal writer on two cores). When cores are short the stages downstream then run
/// first: the work in flight between stages stays small, and the input's end is not followed by a backlog that the
/// last stage writes alone while a core idles. The first stage loses nothing by it: it gets every cycle the others leave,
/// and they cannot go faster than it reads. Measured on the 2-core bench machine, the reader at niceness +10 against
/// the process's own, six alternating comparisons of 8–10 Online Retail replays each: medians +0 to +6 %, +3 % on
/// average; CDNOW +5 % (one comparison of 8).
/// </summary>
/// <remarks>
/// Only ever lowers: on Linux the thread's niceness is raised by <paramref name="steps"/> from where it is (at most 19),
/// which needs no privilege and never puts the thread above the rest of its process; elsewhere the thread becomes
/// <see cref="ThreadPriority.BelowNormal"/>. For a thread of its own only (never a pool thread): nothing restores it.
/// A thread created from the lowered one inherits its niceness (Linux): the thread pool creates a worker from the thread
/// that queues work when it grows, so a worker made while the reader hands on a chunk would run lowered too. In a replay
/// the pool's workers exist before the reader starts (five replays sampled every 30 ms: only the reader ran lowered); in
/// the test host's busy pool it happened (the read-ahead test no longer checks the consumer's niceness afterwards).
/// </remarks>
internal static class UpstreamPriority
{
    /// <summary>Lowers the calling thread's priority; false when the platform refused (the thread runs on as it was).</summary>
    public static bool Lower(int steps = 10)
    {
        if (!OperatingSystem.IsLinux())
        {
            try
            {
                Thread.CurrentThread.Priority = ThreadPriority.BelowNormal;
                return true;
            }
            catch (Exception ex) when (ex is ThreadStateException or PlatformNotSupportedException)
            {
                return false;
            }
        }

        try
        {
            var tid = GetTid();
            // getpriority answers the niceness itself, -20..19 (glibc); -1 is also an error, but not for the calling thread.
            var now = GetPriority(PrioProcess, tid);
            return SetPriority(PrioProcess, tid, Math.Min(19, now + steps)) == 0;
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;
        }
    }

    /// <summary>The calling thread's niceness on Linux (tests); null elsewhere.</summary>
    internal static int? CurrentNiceness() => OperatingSystem.IsLinux() ? GetPriority(PrioProcess, GetTid()) : null;

    private const int PrioProcess = 0; // PRIO_PROCESS: with a thread id, that thread alone (Linux)

    [DllImport("libc", EntryPoint = "gettid")]
    private static extern int GetTid();

    [DllImport("libc", EntryPoint = "getpriority")]
    private static extern int GetPriority(int which, int who);

    [DllImport("libc", EntryPoint = "setpriority")]
    private static extern int SetPriority(int which, int who, int niceness);
}
