using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Xunit.Abstractions;

namespace LoyaltyActors.Host.Tests;

/// <summary>
/// The real host, <c>dotnet loyalty.dll serve</c>, as a separate process on a free loopback port with its
/// own temporary data dir. It can be stopped gracefully (SIGTERM), killed (SIGKILL) and started again on
/// the same data dir; every start gets a fresh port. Everything the process prints is kept in
/// <see cref="Log"/> for failure messages and written to the test output on dispose.
/// </summary>
public sealed class LoyaltyHostProcess : IAsyncDisposable
{
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(30);

    private readonly ITestOutputHelper? _output;
    private readonly IReadOnlyDictionary<string, string> _environment;
    private readonly StringBuilder _log = new();
    private readonly string _root;
    private Process? _process;
    private HttpClient? _http;
    private int _runs;

    private LoyaltyHostProcess(ITestOutputHelper? output, IReadOnlyDictionary<string, string>? environment)
    {
        _output = output;
        // The tests check what is recorded, not latency; on a loaded shared machine the first write and the
        // recovery of many customers can exceed the shipped 10 s, which would answer 503 (a retry signal).
        var env = new Dictionary<string, string> { ["Loyalty__Ingress__WriteTimeoutSeconds"] = "60" };
        foreach (var (key, value) in environment ?? new Dictionary<string, string>()) env[key] = value;
        _environment = env;
        _root = Path.Combine(Path.GetTempPath(), "loyalty-host-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_root);
        DataDir = Path.Combine(_root, "data");
    }

    /// <summary>The published host next to the test assembly (the project reference copies it).</summary>
    public static string LoyaltyDll => Path.Combine(AppContext.BaseDirectory, "loyalty.dll");

    public string DataDir { get; }

    /// <summary>The base address of the current run; a new port on every start.</summary>
    public Uri BaseAddress { get; private set; } = new("http://127.0.0.1/");

    /// <summary>The TCP ingress address of the current run (the host picks a free port and prints it).</summary>
    public IPEndPoint TcpEndPoint { get; private set; } = new(IPAddress.Loopback, 0);

    /// <summary>A client for the current run.</summary>
    public HttpClient Http => _http ?? throw new InvalidOperationException("the host is not running");

    public int ProcessId => _process?.Id ?? throw new InvalidOperationException("the host is not running");

    public bool IsRunning => _process is { HasExited: false };

    /// <summary>Everything every run printed, stdout and stderr, in arrival order.</summary>
    public string Log
    {
        get
        {
            lock (_log) return _log.ToString();
        }
    }

    /// <summary>
    /// Settings for tests whose expected points are Σ ⌊qty × price⌋ of what they sent and whose server adds no event of
    /// its own: points never expire and in effect there is one tier (multiplier 1). Environment variables cannot shorten
    /// the shipped list of three tiers (configuration merges arrays by index), so the upper two are put out of reach and
    /// reviews a century away: with the shipped tiers, a server started on a replayed history held gold customers whose
    /// review was long due, and its timer persisted their downgrade while a test compared them (seen in CI). The shipped
    /// program is tested on its own.
    /// </summary>
    public static IReadOnlyDictionary<string, string> PointsOnly { get; } = new Dictionary<string, string>
    {
        ["Loyalty__Points__Expiry"] = "",
        ["Loyalty__Tiers__ReviewEvery"] = "P100Y",
        ["Loyalty__Tiers__Levels__0__Name"] = "base",
        ["Loyalty__Tiers__Levels__0__MinSpend"] = "0",
        ["Loyalty__Tiers__Levels__0__Multiplier"] = "1",
        ["Loyalty__Tiers__Levels__1__MinSpend"] = "1000000000000",
        ["Loyalty__Tiers__Levels__1__Multiplier"] = "1",
        ["Loyalty__Tiers__Levels__2__MinSpend"] = "2000000000000",
        ["Loyalty__Tiers__Levels__2__Multiplier"] = "1",
    };

    /// <summary>Starts a host on a fresh data dir and waits until it is ready.</summary>
    /// <param name="environment">Extra environment variables, e.g. <c>Loyalty__Ingress__MaxBodyBytes</c>.</param>
    public static async Task<LoyaltyHostProcess> StartAsync(
        ITestOutputHelper? output = null, IReadOnlyDictionary<string, string>? environment = null)
    {
        var host = new LoyaltyHostProcess(output, environment);
        try
        {
            await host.StartAsync();
        }
        catch
        {
            await host.DisposeAsync();
            throw;
        }

        return host;
    }

    /// <summary>
    /// Starts the process on <see cref="DataDir"/> and polls <c>GET /health</c> until it answers 200 and the
    /// "listening on" line is printed, or the process exits, or the deadline passes.
    /// </summary>
    public async Task StartAsync()
    {
        if (IsRunning) throw new InvalidOperationException("the host is already running");
        var run = ++_runs;
        // Port 0: the server binds a free port and prints it. A port picked here and released could be taken by another
        // process before the server binds it (seen in CI: "address already in use" on a restart).
        Uri? http = null;

        var info = NewStartInfo(_root, _environment, "serve", "--data-dir", DataDir, "--http", "http://127.0.0.1:0", "--tcp", "127.0.0.1:0");
        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var listening = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            Append($"[run {run} out] {e.Data}");
            const string httpLine = "loyalty: listening on http://";
            if (e.Data.StartsWith(httpLine, StringComparison.Ordinal))
                http = new Uri(e.Data["loyalty: listening on ".Length..].Split(' ')[0].TrimEnd('/') + "/");
            // The TCP line is printed after the HTTP one: once it is there, both listen.
            const string tcpLine = "loyalty: listening on tcp://";
            if (e.Data.StartsWith(tcpLine, StringComparison.Ordinal))
            {
                TcpEndPoint = IPEndPoint.Parse(e.Data[tcpLine.Length..].Split(' ')[0]);
                listening.TrySetResult();
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null) Append($"[run {run} err] {e.Data}");
        };
        Append($"[run {run}] dotnet {string.Join(' ', info.ArgumentList)}");
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;

        HttpClient? probe = null;
        try
        {
            var deadline = Stopwatch.StartNew();
            while (true)
            {
                if (process.HasExited)
                {
                    await process.WaitForExitAsync();
                    throw new InvalidOperationException($"the host exited with code {process.ExitCode} before it was ready\n{Log}");
                }

                if (listening.Task.IsCompleted && probe is null)
                {
                    BaseAddress = http ?? throw new InvalidOperationException($"the host printed no HTTP address\n{Log}");
                    _http = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
                    probe = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(5) };
                }

                if (probe is not null && await IsHealthyAsync(probe))
                {
                    Append($"[run {run}] ready after {deadline.Elapsed.TotalSeconds:F1} s");
                    return;
                }

                if (deadline.Elapsed > ReadyTimeout)
                    throw new TimeoutException($"the host was not ready within {ReadyTimeout.TotalSeconds} s\n{Log}");
                await Task.Delay(50); // bounded readiness poll
            }
        }
        finally
        {
            probe?.Dispose();
        }
    }

    /// <summary>Sends SIGTERM and waits for the process to exit; returns its exit code.</summary>
    public async Task<int> StopAsync()
    {
        var process = _process ?? throw new InvalidOperationException("the host is not running");
        var watch = Stopwatch.StartNew();
        using (var kill = Process.Start("kill", $"-TERM {process.Id}")) await kill.WaitForExitAsync();
        using var timeout = new CancellationTokenSource(StopTimeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"the host did not exit within {StopTimeout.TotalSeconds} s of SIGTERM\n{Log}");
        }

        Append($"[SIGTERM took {watch.Elapsed.TotalSeconds:F1} s]");
        return Forget(process);
    }

    /// <summary>SIGKILL, the whole process tree: no shutdown code runs.</summary>
    public async Task KillAsync()
    {
        var process = _process ?? throw new InvalidOperationException("the host is not running");
        process.Kill(entireProcessTree: true);
        await process.WaitForExitAsync();
        Forget(process);
    }

    /// <summary>Graceful stop (asserting exit code 0), then a new start on the same data dir.</summary>
    public async Task RestartAsync()
    {
        var code = await StopAsync();
        if (code != 0) throw new InvalidOperationException($"the host exited with code {code} after SIGTERM\n{Log}");
        await StartAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is { } process)
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            Forget(process);
        }

        try
        {
            _output?.WriteLine(Log);
        }
        catch (InvalidOperationException)
        {
            // the test's output is already closed
        }

        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
            // best effort: a temp dir left behind is not a test failure
        }
    }

    /// <summary>Runs <c>dotnet loyalty.dll ARGS</c> to completion (bounded), capturing both streams.</summary>
    public static async Task<CliRun> RunCliAsync(IReadOnlyDictionary<string, string>? environment, params string[] args)
    {
        var workDir = Path.Combine(Path.GetTempPath(), "loyalty-host-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(workDir);
        try
        {
            using var process = new Process { StartInfo = NewStartInfo(workDir, environment ?? new Dictionary<string, string>(), args) };
            var watch = Stopwatch.StartNew();
            process.Start();
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            try
            {
                await process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException($"loyalty {string.Join(' ', args)} did not exit within 60 s");
            }

            return new CliRun(process.ExitCode, await stdout, await stderr, watch.Elapsed);
        }
        finally
        {
            try
            {
                Directory.Delete(workDir, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    private static ProcessStartInfo NewStartInfo(string workDir, IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            // Not the test's bin dir: ConfigLoader prefers ./config/appsettings.json, and the host must use its own copy.
            WorkingDirectory = workDir,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(LoyaltyDll);
        foreach (var a in args) info.ArgumentList.Add(a);

        // Hermetic: settings come from the shipped appsettings.json plus what the test passes.
        foreach (var key in info.Environment.Keys.Where(k => k.StartsWith("Loyalty__", StringComparison.OrdinalIgnoreCase)).ToList())
            info.Environment.Remove(key);
        foreach (var (key, value) in environment) info.Environment[key] = value;
        return info;
    }

    private static async Task<bool> IsHealthyAsync(HttpClient probe)
    {
        try
        {
            using var response = await probe.GetAsync("health");
            return response.StatusCode == HttpStatusCode.OK;
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            return false;
        }
    }

    private int Forget(Process process)
    {
        process.WaitForExit(); // drains the asynchronous output readers
        var code = process.ExitCode;
        Append($"[exit {code}]");
        process.Dispose();
        _process = null;
        _http?.Dispose();
        _http = null;
        return code;
    }

    private void Append(string line)
    {
        lock (_log) _log.AppendLine(line);
    }
}

/// <summary>One finished CLI invocation.</summary>
public sealed record CliRun(int ExitCode, string Stdout, string Stderr, TimeSpan Elapsed)
{
    public override string ToString() => $"exit {ExitCode} after {Elapsed.TotalSeconds:F1} s\n--- stdout ---\n{Stdout}\n--- stderr ---\n{Stderr}";
}
