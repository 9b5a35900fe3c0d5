using System.Runtime;

namespace LoyaltyActors.Host.Replay;

/// <summary>
/// For a batch job that allocates much and keeps little (a bulk replay): the process may allocate up to a budget between
/// two collections. It is a no-GC region of that size, ended and entered again (one blocking collection) once three
/// quarters of it are spent, so the garbage of a whole budget is found by one collection instead of by several, each
/// of which also copies whatever is still in flight. The region is process-wide: one per process.
/// </summary>
/// <remarks>
/// When the region cannot be entered (the size is more than this runtime allows, or another region is open) the job runs
/// under the collector's usual budgets; nothing else changes. Should the region end by itself before <see cref="Check"/>
/// saw three quarters spent (the server collector splits the budget over its heaps, and one heap can run out first),
/// the next check enters a new one.
/// </remarks>
internal sealed class AllocationBudget : IDisposable
{
    /// <summary>The largest budget tried: a replay of Online Retail allocates ~180 MB, one of CDNOW_master ~260 MB.</summary>
    public const long DefaultBytes = 256L << 20;

    private const long SmallestBytes = 16L << 20;

    private long _bytes;
    private long _allocatedAtStart;
    private bool _disposed;

    private AllocationBudget(long bytes) => _bytes = bytes;

    /// <summary>The budget in force (halved from the one asked for until the runtime accepted it).</summary>
    public long Bytes => _bytes;

    /// <summary>How many regions were entered so far.</summary>
    public int Regions { get; private set; }

    /// <summary>
    /// Enters a region of <paramref name="bytes"/>, at most a sixteenth of the memory the process may use; null when no region
    /// of at least 16 MB could be entered.
    /// </summary>
    public static AllocationBudget? TryStart(long bytes = DefaultBytes)
    {
        var available = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
        if (available > 0) bytes = Math.Min(bytes, available / 16);
        var budget = new AllocationBudget(bytes);
        return budget.Enter() ? budget : null;
    }

    /// <summary>Cheap enough to call every few hundred allocations' worth of work: enters a fresh region when this one is mostly spent or gone.</summary>
    public void Check()
    {
        if (_disposed) return;
        if (GCSettings.LatencyMode == GCLatencyMode.NoGCRegion)
        {
            if (GC.GetTotalAllocatedBytes() - _allocatedAtStart < _bytes / 4 * 3) return;
            End();
        }

        Enter();
    }

    private bool Enter()
    {
        while (_bytes >= SmallestBytes)
        {
            try
            {
                if (!GC.TryStartNoGCRegion(_bytes)) return false;
                _allocatedAtStart = GC.GetTotalAllocatedBytes();
                Regions++;
                return true;
            }
            catch (ArgumentOutOfRangeException)
            {
                _bytes /= 2; // more than this runtime's regions can hold
            }
            catch (InvalidOperationException)
            {
                return false; // a region is already open (not ours)
            }
        }

        return false;
    }

    private static void End()
    {
        try
        {
            if (GCSettings.LatencyMode == GCLatencyMode.NoGCRegion) GC.EndNoGCRegion();
        }
        catch (InvalidOperationException)
        {
            // it ended by itself (a collection ran) between the check and the call
        }
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        End();
    }
}
