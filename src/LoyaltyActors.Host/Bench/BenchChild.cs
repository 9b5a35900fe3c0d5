using System.Diagnostics;
using System.Net.Sockets;
using System.Text;

namespace LoyaltyActors.Host.Bench;

/// <summary>
/// This same executable started as a child process (<c>loyalty serve</c>, <c>loyalty replay</c>): the benchmark drives
/// a real server it can kill -9, exactly as an operator's would run.
/// </summary>
internal sealed class BenchChild : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private BenchChild(Process process)
    {
        _process = process;
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (_output) _output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (_output) _output.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public int Pid => _process.Id;

    public string Output
    {
        get { lock (_output) return _output.ToString(); }
    }

    public static ProcessStartInfo StartInfo(IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        var self = Environment.ProcessPath ?? "dotnet";
        var info = new ProcessStartInfo(self) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (string.Equals(Path.GetFileNameWithoutExtension(self), "dotnet", StringComparison.OrdinalIgnoreCase))
            info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "loyalty.dll"));
        foreach (var a in args) info.ArgumentList.Add(a);
        foreach (var (k, v) in environment) info.Environment[k] = v;
        info.Environment["DOTNET_TieredPGO"] = "0";
        // A server runs as every launcher we ship runs it: with the runtime settings of RuntimeTuning in its environment (kept
        // when the caller set them). Any other child (a replay) runs without them unless given here: a replay is over in
        // about a second, and counting calls from its first millisecond made it recompile hot code it had no time to
        // profit from (Online Retail: +0.25 CPU-s, ~15 %, in alternating runs).
        if (args is ["serve", ..]) RuntimeTuning.ApplyTo(info.Environment);
        else
            foreach (var name in RuntimeTuning.Environment.Keys)
                if (!environment.ContainsKey(name)) info.Environment.Remove(name);
        return info;
    }

    public static BenchChild Start(IReadOnlyDictionary<string, string> environment, params string[] args) =>
        new(Process.Start(StartInfo(environment, args)) ?? throw new InvalidOperationException("could not start " + string.Join(' ', args)));

    /// <summary>Starts <c>loyalty serve</c> and waits until <c>/health</c> answers 200.</summary>
    public static async Task<(BenchChild Server, Uri Url)> ServeAsync(string dataDir, int httpPort, int tcpPort,
        IReadOnlyDictionary<string, string> environment, CancellationToken ct)
    {
        var url = new Uri($"http://127.0.0.1:{httpPort}/");
        var child = Start(environment, "serve", "--data-dir", dataDir, "--http", url.ToString().TrimEnd('/'), "--tcp", $"127.0.0.1:{tcpPort}");
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < TimeSpan.FromMinutes(3))
        {
            if (child._process.HasExited) throw new InvalidOperationException("the server exited:\n" + child.Output);
            try
            {
                using var r = await http.GetAsync(new Uri(url, "health"), ct);
                if (r.IsSuccessStatusCode) return (child, url);
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
            }

            await Task.Delay(100, ct); // polling a starting process; nothing else to wait on
        }

        await child.DisposeAsync();
        throw new TimeoutException("the server did not become ready in 3 minutes:\n" + child.Output);
    }

    public async Task<int> WaitAsync(CancellationToken ct)
    {
        await _process.WaitForExitAsync(ct);
        return _process.ExitCode;
    }

    /// <summary>kill -9: no shutdown hook runs, nothing is flushed.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
    }

    /// <summary>
    /// CPU time the child has used so far (user + system, from /proc/PID/stat), in seconds. Per event it is a figure that
    /// holds when other work shares the machine, where events per second do not.
    /// </summary>
    /// <summary>
    /// Waits until the process uses under a tenth of a core over half a second (its projections have caught up with what
    /// the previous part wrote), at most <paramref name="atMost"/>; returns how long that took.
    /// </summary>
    public async Task<TimeSpan> WaitUntilIdleAsync(TimeSpan atMost, CancellationToken ct)
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var before = CpuSeconds();
        while (watch.Elapsed < atMost)
        {
            await Task.Delay(500, ct);
            var now = CpuSeconds();
            if (now - before < 0.05) break;
            before = now;
        }

        return watch.Elapsed;
    }

    public double CpuSeconds()
    {
        var stat = File.ReadAllText($"/proc/{_process.Id}/stat");
        // Fields after the command name (which is in parentheses and may hold spaces): utime and stime are fields 14 and 15.
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        var ticks = long.Parse(fields[11], System.Globalization.CultureInfo.InvariantCulture) + long.Parse(fields[12], System.Globalization.CultureInfo.InvariantCulture);
        return ticks / 100.0; // USER_HZ is 100 on Linux
    }

    /// <summary>Resident memory of the child (VmRSS), in bytes.</summary>
    public long ResidentBytes()
    {
        foreach (var line in File.ReadLines($"/proc/{_process.Id}/status"))
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture) * 1024;
        return 0;
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        _process.Dispose();
    }

    public static int FreePort()
    {
        var l = new TcpListener(System.Net.IPAddress.Loopback, 0);
        l.Start();
        var port = ((System.Net.IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        return port;
    }
}
