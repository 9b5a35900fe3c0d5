using System.Runtime;

namespace LoyaltyActors.Host.Replay;

/// <summary>
/// For a batch job that allocates much and keeps little (a bulk replay): a no-GC region of up to a budget, entered at
/// its start. A job that allocates less than the budget runs without a collection (a replay of Online Retail allocates
/// ~180 MB); a longer one has the garbage of its first budget found by one collection, when the runtime ends the region,
/// and runs under the collector's usual budgets from then on. The region is process-wide: one per process.
/// </summary>
/// <remarks>
/// One region only. Entering a fresh one each time the last was mostly spent was tried and measured: the collection that
/// opens a region did not reclaim the garbage of the region before, so a 600,000-event replay grew to 2.8 GB (1.2 GB
/// without regions); and a region the runtime refuses mid-run would cost a collection per attempt. When the region cannot
/// be entered at all (the size is more than this runtime allows, or another region is open) the job runs under the usual
/// budgets; nothing else changes.
/// </remarks>
internal sealed class AllocationBudget : IDisposable
{
    /// <summary>The largest budget tried: a replay of Online Retail allocates ~180 MB, one of CDNOW_master ~260 MB.</summary>
    public const long DefaultBytes = 256L << 20;

    private const long SmallestBytes = 16L << 20;

    private bool _disposed;

    private AllocationBudget(long bytes) => Bytes = bytes;

    /// <summary>The budget in force (halved from the one asked for until the runtime accepted it).</summary>
    public long Bytes { get; }

    /// <summary>True while no collection has ended the region (and it was not disposed).</summary>
    public static bool Active => GCSettings.LatencyMode == GCLatencyMode.NoGCRegion;

    /// <summary>
    /// Enters a region of <paramref name="bytes"/>, at most a sixteenth of the memory the process may use; null when no region
    /// of at least 16 MB could be entered.
    /// </summary>
    public static AllocationBudget? TryStart(long bytes = DefaultBytes)
    {
        var available = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
        if (available > 0) bytes = Math.Min(bytes, available / 16);
        while (bytes >= SmallestBytes)
        {
            try
            {
                return GC.TryStartNoGCRegion(bytes) ? new AllocationBudget(bytes) : null;
            }
            catch (ArgumentOutOfRangeException)
            {
                bytes /= 2; // more than this runtime's regions can hold
            }
            catch (InvalidOperationException)
            {
                return null; // a region is already open (not ours)
            }
        }

        return null;
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        try
        {
            if (Active) GC.EndNoGCRegion();
        }
        catch (InvalidOperationException)
        {
            // it ended by itself (a collection ran) between the check and the call
        }
    }
}
