using System.Collections.Concurrent;
using System.Diagnostics.Tracing;

namespace LoyaltyActors.Host;

/// <summary>
/// A diagnostic for performance work: with <c>LOYALTY_ALLOC_PROFILE=/some/path</c> set, the process samples the
/// runtime's allocation ticks (one per ~100 KB allocated, with the type that crossed it) and rewrites
/// <c>/some/path.PID</c> every 5 s with the collections so far and the types that allocate most. Off (no listener at all) otherwise.
/// </summary>
internal sealed class AllocProfile : EventListener
{
    private readonly ConcurrentDictionary<string, long> _bytes = new();
    private readonly string _path;
    private readonly Timer _timer; // kept referenced: it rewrites the file for the process's life

    private AllocProfile(string path)
    {
        _path = path;
        _timer = new Timer(_ => Dump(), null, 5000, 5000);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => Dump(); // short runs (a replay) end before the first tick
    }

    public static void StartIfAsked()
    {
        if (Environment.GetEnvironmentVariable("LOYALTY_ALLOC_PROFILE") is { Length: > 0 } p) _instance = new AllocProfile(p + "." + Environment.ProcessId);
    }

    private static AllocProfile? _instance;

    protected override void OnEventSourceCreated(EventSource source)
    {
        if (source.Name == "Microsoft-Windows-DotNETRuntime")
            EnableEvents(source, EventLevel.Verbose, (EventKeywords)0x1);
    }

    protected override void OnEventWritten(EventWrittenEventArgs e)
    {
        if (e.EventName is null || !e.EventName.StartsWith("GCAllocationTick", StringComparison.Ordinal) || e.Payload is null) return;
        var idx = e.PayloadNames!.IndexOf("TypeName");
        var amt = e.PayloadNames.IndexOf("AllocationAmount64");
        if (idx < 0) return;
        var name = e.Payload[idx] as string ?? "?";
        var bytes = amt >= 0 ? Convert.ToInt64(e.Payload[amt]) : 100_000;
        _bytes.AddOrUpdate(name, bytes, (_, v) => v + bytes);
    }

    private void Dump()
    {
        var total = _bytes.Values.Sum();
        var lines = _bytes.OrderByDescending(kv => kv.Value).Take(60).Select(kv => $"{kv.Value * 100.0 / Math.Max(1, total),6:F2}% {kv.Value / 1e6,10:F1} MB {kv.Key}");
        var collections = $"collections gen0 {GC.CollectionCount(0)} gen1 {GC.CollectionCount(1)} gen2 {GC.CollectionCount(2)}, " +
            $"paused {GC.GetTotalPauseDuration().TotalMilliseconds:F0} ms, heap {GC.GetTotalMemory(false) / 1e6:F1} MB";
        File.WriteAllLines(_path, new[] { $"total {total / 1e6:F1} MB", collections }.Concat(lines));
    }
}
