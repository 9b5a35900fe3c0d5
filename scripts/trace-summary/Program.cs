using Microsoft.Diagnostics.Tracing;
using Microsoft.Diagnostics.Tracing.Etlx;
using Microsoft.Diagnostics.Tracing.Parsers.Clr;

// Summaries of dotnet-trace files for performance work (README, Performance: the thirteenth session).
//
//   dotnet-trace collect -p PID --profile gc-verbose --duration 00:00:00:07 -o alloc.nettrace
//   trace-summary alloc alloc.nettrace [--by type|site] [--top N]   allocations sampled every ~100 KB, by type or by
//                                                                    type and the first frame of ours that allocated
//   trace-summary stacks alloc.nettrace TYPE [--skip K] [--top N]   the stacks that allocate types whose name has TYPE
//
//   dotnet-trace collect -p PID --profile gc-collect --duration 00:00:00:07 -o gc.nettrace
//   trace-summary gc gc.nettrace                                    every collection: generation, pause, promoted bytes
//
//   dotnet-trace collect -p PID --providers Microsoft-Windows-DotNETRuntime:0x1980001:5 --duration 00:00:00:04 -o heap.nettrace
//   trace-summary heap heap.nettrace [--top N]                      live objects by type (the collection the keywords induce)
//
// Stop a trace with --duration: one stopped with Ctrl-C may come out truncated.
if (args.Length < 2 || args[0] is not ("alloc" or "stacks" or "gc" or "heap"))
{
    Console.Error.WriteLine("usage: trace-summary alloc|stacks|gc|heap FILE.nettrace [TYPE] [--by type|site] [--skip K] [--top N]");
    return 2;
}

var file = args[1];
var top = Option("--top", 40);
switch (args[0])
{
    case "alloc":
        Allocations(bySite: (Value("--by") ?? "type") == "site", filter: null);
        break;
    case "stacks":
        Allocations(bySite: false, filter: args.Length > 2 ? args[2] : throw new ArgumentException("stacks needs a TYPE"));
        break;
    case "gc":
        Collections();
        break;
    case "heap":
        Heap();
        break;
}

return 0;

void Allocations(bool bySite, string? filter)
{
    using var log = new TraceLog(TraceLog.CreateFromEventPipeDataFile(file));
    var skip = Option("--skip", 0);
    var bytes = new Dictionary<string, double>();
    double total = 0;
    foreach (var e in log.Events)
    {
        if (e is not GCAllocationTickTraceData tick) continue;
        double amount = tick.AllocationAmount64;
        total += amount;
        var type = tick.TypeName ?? "?";
        string key;
        if (filter is not null)
        {
            if (!type.Contains(filter, StringComparison.Ordinal)) continue;
            key = type + "  <  " + string.Join(" < ", Frames(e).Skip(skip).Take(8).Select(f => f.Length > 90 ? f[..90] : f));
        }
        else
        {
            key = bySite ? type + "  <=  " + (Frames(e).FirstOrDefault(f => f.StartsWith("LoyaltyActors", StringComparison.Ordinal)) ?? "-") : type;
        }

        bytes[key] = bytes.GetValueOrDefault(key) + amount;
    }

    Console.WriteLine($"allocated {total / 1e6:F1} MB (sampled)");
    foreach (var (key, b) in bytes.OrderByDescending(x => x.Value).Take(top))
        Console.WriteLine($"{b / total * 100,6:F2} % {b / 1e6,8:F1} MB  {key}");
}

static IEnumerable<string> Frames(TraceEvent e)
{
    for (var frame = e.CallStack(); frame is not null; frame = frame.Caller)
        yield return frame.CodeAddress.FullMethodName is { Length: > 0 } name ? name : frame.CodeAddress.ModuleName ?? "?";
}

void Collections()
{
    using var source = new EventPipeEventSource(file);
    int generation = -1;
    string reason = "";
    double startedAt = 0, suspendedAt = 0, pause = 0;
    var sums = new SortedDictionary<int, (int Count, double Pause, double Promoted)>();
    source.Clr.GCStart += e => (generation, reason, startedAt) = (e.Depth, e.Reason.ToString(), e.TimeStampRelativeMSec);
    source.Clr.GCSuspendEEStart += e => suspendedAt = e.TimeStampRelativeMSec;
    source.Clr.GCRestartEEStop += e => pause = e.TimeStampRelativeMSec - suspendedAt;
    source.Clr.GCHeapStats += e =>
    {
        var promoted = e.TotalPromotedSize0 + e.TotalPromotedSize1 + e.TotalPromotedSize2;
        Console.WriteLine($"{startedAt,8:F0} ms gen{generation} {reason,-14} pause {pause,6:F1} ms  promoted from gen0 {e.TotalPromotedSize0 / 1e6,6:F1} " +
                          $"gen1 {e.TotalPromotedSize1 / 1e6,6:F1} gen2 {e.TotalPromotedSize2 / 1e6,6:F1} MB  sizes gen0 {e.GenerationSize0 / 1e6,6:F1} " +
                          $"gen1 {e.GenerationSize1 / 1e6,6:F1} gen2 {e.GenerationSize2 / 1e6,7:F1} loh {e.GenerationSize3 / 1e6,6:F1} MB");
        var s = sums.GetValueOrDefault(generation);
        sums[generation] = (s.Count + 1, s.Pause + pause, s.Promoted + promoted);
    };
    source.Process();
    foreach (var (g, s) in sums) Console.WriteLine($"gen{g}: {s.Count} collections, pauses {s.Pause:F0} ms in all, promoted {s.Promoted / 1e6:F0} MB in all");
}

void Heap()
{
    using var source = new EventPipeEventSource(file);
    var names = new Dictionary<ulong, string>();
    var live = new Dictionary<ulong, (long Count, long Bytes)>();
    source.Clr.TypeBulkType += e =>
    {
        for (var i = 0; i < e.Count; i++) names[e.Values(i).TypeID] = e.Values(i).TypeName;
    };
    source.Clr.GCBulkNode += e =>
    {
        for (var i = 0; i < e.Count; i++)
        {
            var node = e.Values(i);
            var s = live.GetValueOrDefault(node.TypeID);
            live[node.TypeID] = (s.Count + 1, s.Bytes + (long)node.Size);
        }
    };
    source.Process();
    Console.WriteLine($"live {live.Values.Sum(x => x.Bytes) / 1e6:F1} MB in {live.Values.Sum(x => x.Count):N0} objects");
    foreach (var (type, s) in live.OrderByDescending(x => x.Value.Bytes).Take(top))
        Console.WriteLine($"{s.Bytes / 1e6,9:F2} MB {s.Count,10:N0}  {(names.TryGetValue(type, out var name) ? name : type.ToString("x"))}");
}

string? Value(string name) => Array.IndexOf(args, name) is var i and >= 0 && i + 1 < args.Length ? args[i + 1] : null;

int Option(string name, int fallback) => Value(name) is { } v ? int.Parse(v, System.Globalization.CultureInfo.InvariantCulture) : fallback;
