using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Xunit;
using Xunit.Abstractions;

namespace LoyaltyActors.Cluster.Tests;

/// <summary>
/// A throw-away PostgreSQL from Debian's binaries (<c>/usr/lib/postgresql/*/bin</c>): its own data dir under the temp
/// dir, its own loopback port, no system service, trust authentication for user <c>loyalty</c>, database
/// <c>loyalty</c>. PostgreSQL refuses to run as root, so as root it runs as the <c>postgres</c> user. Missing binaries
/// skip the test (CI, where <c>CI=true</c>, fails instead).
/// </summary>
public sealed class PostgresServer : IAsyncDisposable
{
    private readonly string _bin;
    private readonly string _root;
    private readonly ITestOutputHelper? _output;
    private bool _started;

    private PostgresServer(string bin, string root, int port, ITestOutputHelper? output)
    {
        _bin = bin;
        _root = root;
        Port = port;
        _output = output;
    }

    public int Port { get; }

    private string DataDir => Path.Combine(_root, "pgdata");

    public string ConnectionString => $"Host=127.0.0.1;Port={Port};Database=loyalty;Username=loyalty;Maximum Pool Size=40;Timeout=30";

    private static bool IsRoot => string.Equals(Environment.UserName, "root", StringComparison.Ordinal);

    /// <summary>The newest installed server's bin directory, or null.</summary>
    public static string? FindBinaries()
    {
        const string lib = "/usr/lib/postgresql";
        if (!Directory.Exists(lib)) return null;
        return Directory.GetDirectories(lib)
            .Select(d => (Dir: Path.Combine(d, "bin"), Version: int.TryParse(Path.GetFileName(d), out var v) ? v : 0))
            .Where(x => File.Exists(Path.Combine(x.Dir, "initdb")) && File.Exists(Path.Combine(x.Dir, "pg_ctl")))
            .OrderBy(x => x.Version)
            .Select(x => x.Dir)
            .LastOrDefault();
    }

    public static async Task<PostgresServer> StartAsync(ITestOutputHelper? output)
    {
        var bin = OperatingSystem.IsWindows() ? null : FindBinaries();
        if (bin is null)
        {
            const string message = "PostgreSQL's server binaries are missing (/usr/lib/postgresql/*/bin/initdb): apt-get install -y postgresql";
            if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
                throw new InvalidOperationException(message);
            Skip.If(true, message);
        }

        var root = Path.Combine(Path.GetTempPath(), "loyalty-cluster-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(root);
        var server = new PostgresServer(bin!, root, FreePort(), output);
        try
        {
            await server.InitAndStartAsync();
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }

        return server;
    }

    private async Task InitAndStartAsync()
    {
        Directory.CreateDirectory(DataDir);
        if (IsRoot && !OperatingSystem.IsWindows())
        {
            // The postgres user must reach and own its data dir.
            for (var dir = DataDir; dir != Path.GetTempPath().TrimEnd('/') && dir.Length > 1; dir = Path.GetDirectoryName(dir)!)
                File.SetUnixFileMode(dir, File.GetUnixFileMode(dir) | UnixFileMode.OtherExecute | UnixFileMode.OtherRead);
            await RunAsync("chown", asPostgres: false, "postgres", DataDir);
        }

        await RunAsync(Path.Combine(_bin, "initdb"), asPostgres: true, "-D", DataDir, "-U", "loyalty", "--auth=trust", "-E", "UTF8");
        await RunAsync(Path.Combine(_bin, "pg_ctl"), asPostgres: true, "-D", DataDir, "-w", "-t", "60", "-l", Path.Combine(DataDir, "server.log"),
            "-o", $"-p {Port} -k {DataDir} -c listen_addresses=127.0.0.1 -c max_connections=300", "start");
        _started = true;
        await RunAsync(Path.Combine(_bin, "createdb"), asPostgres: true, "-h", "127.0.0.1", "-p", Port.ToString(), "-U", "loyalty", "loyalty");
        _output?.WriteLine($"PostgreSQL ({_bin}) on 127.0.0.1:{Port}, data in {DataDir}");
    }

    public async ValueTask DisposeAsync()
    {
        if (_started)
        {
            try
            {
                await RunAsync(Path.Combine(_bin, "pg_ctl"), asPostgres: true, "-D", DataDir, "-m", "immediate", "-w", "stop");
            }
            catch (Exception ex)
            {
                _output?.WriteLine($"stopping PostgreSQL: {ex.Message}");
            }
        }

        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // best effort
        }
    }

    private static async Task RunAsync(string file, bool asPostgres, params string[] args)
    {
        var info = new ProcessStartInfo(asPostgres && IsRoot ? "runuser" : file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetTempPath(),
        };
        if (asPostgres && IsRoot)
        {
            foreach (var a in new[] { "-u", "postgres", "--", file }) info.ArgumentList.Add(a);
        }

        foreach (var a in args) info.ArgumentList.Add(a);
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        await process.WaitForExitAsync(timeout.Token);
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} exited with {process.ExitCode}\n{await stdout}\n{await stderr}");
    }

    public static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        try
        {
            return ((IPEndPoint)listener.LocalEndpoint).Port;
        }
        finally
        {
            listener.Stop();
        }
    }
}
