using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Xunit;

namespace LoyaltyActors.Host.Tests;

/// <summary>A temporary folder for one test's data dirs, inputs and outputs; deleted on dispose.</summary>
public sealed class CliScratch : IDisposable
{
    public CliScratch()
    {
        Root = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "loyalty-host-tests", "cli-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Root);
    }

    public string Root { get; }

    /// <summary>An absolute path inside the folder (the CLI runs in another working directory).</summary>
    public string Path(string name) => System.IO.Path.Combine(Root, name);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // best effort: a temp dir left behind is not a test failure
        }
    }
}

/// <summary>
/// <c>dotnet loyalty.dll ARGS</c> with a caller-chosen time limit, for runs that may outlast the 60 s of
/// <see cref="LoyaltyHostProcess.RunCliAsync"/> on a loaded machine (the whole Online Retail replay).
/// Hermetic like it: a scratch working directory and no inherited <c>Loyalty__*</c> variables.
/// </summary>
public static class CliProcess
{
    /// <summary>
    /// For offline replays: the tests check what is recorded, not latency. An offline replay gives up when one
    /// batch is not confirmed within Loyalty:Ingress:WriteTimeoutSeconds (shipped: 10 s), which a loaded shared
    /// machine can exceed while a thousand customers recover at once (see the report on the replay timeout).
    /// </summary>
    public static IReadOnlyDictionary<string, string> Patient { get; } =
        new Dictionary<string, string> { ["Loyalty__Ingress__WriteTimeoutSeconds"] = "120" };

    /// <summary>`dotnet loyalty.dll ARGS` in <paramref name="workDir"/>, with only the given Loyalty__ variables.</summary>
    public static ProcessStartInfo CliStartInfo(string workDir, IEnumerable<string> args, IReadOnlyDictionary<string, string> environment)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workDir,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(LoyaltyHostProcess.LoyaltyDll);
        foreach (var a in args) info.ArgumentList.Add(a);
        foreach (var key in info.Environment.Keys.Where(k => k.StartsWith("Loyalty__", StringComparison.OrdinalIgnoreCase)).ToList())
            info.Environment.Remove(key);
        foreach (var (key, value) in environment) info.Environment[key] = value;
        return info;
    }

    public static async Task<CliRun> RunAsync(TimeSpan timeout, params string[] args)
    {
        var workDir = Path.Combine(Path.GetTempPath(), "loyalty-host-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(workDir);
        try
        {
            var info = CliStartInfo(workDir, args, Patient);

            using var process = new Process { StartInfo = info };
            var watch = Stopwatch.StartNew();
            process.Start();
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            using var cts = new CancellationTokenSource(timeout);
            try
            {
                await process.WaitForExitAsync(cts.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException($"loyalty {string.Join(' ', args)} did not exit within {timeout.TotalSeconds} s");
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

    /// <summary>Asserts exit code 0, showing the whole run otherwise.</summary>
    public static CliRun Succeeded(this CliRun run)
    {
        Assert.True(run.ExitCode == 0, $"expected exit code 0: {run}");
        return run;
    }

    /// <summary>Asserts a non-zero exit with exactly one non-blank stderr line, <c>loyalty: …</c>, and returns that line.</summary>
    public static string FailedWithOneLine(this CliRun run)
    {
        Assert.True(run.ExitCode != 0, $"expected a non-zero exit code: {run}");
        var lines = run.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.True(lines.Length == 1 && lines[0].StartsWith("loyalty: ", StringComparison.Ordinal),
            $"expected one line 'loyalty: ...' on stderr: {run}");
        return lines[0];
    }
}

/// <summary>
/// The two closing lines of <c>loyalty replay</c>:
/// <c>read N rows: a in accepted events, d in duplicates, r rejected</c> and
/// <c>replayed N events: A accepted, D duplicates, R rejected in S s (E events/s)</c> (CONTRACT.md), the latter last.
/// </summary>
public sealed partial record ReplayReport(
    long Rows, long RowsAccepted, long RowsDuplicate, long RowsRejected,
    long Events, long Accepted, long Duplicates, long Rejected)
{
    public static ReplayReport Of(CliRun run)
    {
        run.Succeeded();
        var lines = run.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.True(lines.Length >= 2, $"expected the read and replayed lines on stdout: {run}");
        var replayed = ReplayedLine().Match(lines[^1]);
        Assert.True(replayed.Success, $"the last stdout line is not 'replayed N events: A accepted, D duplicates, R rejected in S s (E events/s)': {run}");
        var read = lines.Select(l => ReadLine().Match(l)).SingleOrDefault(m => m.Success);
        Assert.True(read is not null, $"no 'read N rows: a in accepted events, d in duplicates, r rejected' line: {run}");

        long N(Match m, int group) => long.Parse(m.Groups[group].Value, CultureInfo.InvariantCulture);
        var report = new ReplayReport(N(read!, 1), N(read!, 2), N(read!, 3), N(read!, 4),
            N(replayed, 1), N(replayed, 2), N(replayed, 3), N(replayed, 4));
        Assert.True(report.Events == report.Accepted + report.Duplicates + report.Rejected, $"the event counts do not add up: {run}");
        return report;
    }

    [GeneratedRegex(@"^replayed (\d+) events: (\d+) accepted, (\d+) duplicates, (\d+) rejected in \d+(\.\d+)? s \(\d+ events/s\)$")]
    private static partial Regex ReplayedLine();

    [GeneratedRegex(@"^read (\d+) rows: (\d+) in accepted events, (\d+) in duplicates, (\d+) rejected$")]
    private static partial Regex ReadLine();
}

/// <summary>One row of <c>loyalty rfm-summary</c>; numbers parsed exactly as printed.</summary>
public sealed record RfmRow(string CustomerId, int Frequency, decimal Recency, decimal T, decimal MonetaryValue)
{
    public const string Header = "customer_id,frequency,recency,T,monetary_value";

    /// <summary>The rows of the CSV, keyed by customer id, after checking the header and the column count.</summary>
    public static IReadOnlyDictionary<string, RfmRow> Parse(string csv)
    {
        var lines = csv.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r')).ToArray();
        Assert.True(lines.Length > 0 && lines[0] == Header, $"expected the header '{Header}', got '{lines.FirstOrDefault()}'");
        var rows = new Dictionary<string, RfmRow>(StringComparer.Ordinal);
        foreach (var line in lines.Skip(1))
        {
            var f = line.Split(',');
            Assert.True(f.Length == 5, $"expected 5 columns: '{line}'");
            const NumberStyles number = NumberStyles.Float;
            var row = new RfmRow(f[0], int.Parse(f[1], NumberStyles.None, CultureInfo.InvariantCulture),
                decimal.Parse(f[2], number, CultureInfo.InvariantCulture), decimal.Parse(f[3], number, CultureInfo.InvariantCulture),
                decimal.Parse(f[4], number, CultureInfo.InvariantCulture));
            Assert.True(rows.TryAdd(row.CustomerId, row), $"customer {row.CustomerId} appears twice");
        }

        return rows;
    }

    /// <summary>(frequency, recency, T, monetary) each rounded to 2 dp half away from zero, as the published tables print them.</summary>
    public (int, decimal, decimal, decimal) Rounded2 =>
        (Frequency, Round2(Recency), Round2(T), Round2(MonetaryValue));

    private static decimal Round2(decimal value) => decimal.Round(value, 2, MidpointRounding.AwayFromZero);
}

/// <summary>
/// The lifetimes summary (DESIGN.md §3) written the obvious way, independently of the engine: periods are
/// UTC days or Monday-to-Sunday weeks; a period after the end period is ignored; one customer's purchases in
/// one period are one purchase with the amounts summed.
/// </summary>
public static class ReferenceSummary
{
    public sealed record Purchase(string CustomerId, DateTime Day, decimal Amount);

    public sealed record Row(int Frequency, double Recency, double T, decimal MonetaryValue);

    public static IReadOnlyDictionary<string, Row> Compute(IEnumerable<Purchase> purchases, DateTime end, string freq, double multiplier)
    {
        DateTime PeriodStart(DateTime day) => freq switch
        {
            "D" => day.Date,
            "W" => day.Date.AddDays(-(((int)day.DayOfWeek + 6) % 7)), // back to Monday
            _ => throw new ArgumentOutOfRangeException(nameof(freq), freq, "D or W"),
        };
        double Units(TimeSpan span) => (freq == "W" ? span.TotalDays / 7 : span.TotalDays) / multiplier;

        var endPeriod = PeriodStart(end);
        return purchases
            .Select(p => p with { Day = PeriodStart(p.Day) })
            .Where(p => p.Day <= endPeriod)
            .GroupBy(p => p.CustomerId)
            .ToDictionary(c => c.Key, c =>
            {
                var periods = c.GroupBy(p => p.Day)
                    .Select(g => (Start: g.Key, Sum: g.Sum(p => p.Amount)))
                    .OrderBy(p => p.Start)
                    .ToList();
                var frequency = periods.Count - 1;
                var first = periods[0].Start;
                return new Row(frequency, Units(periods[^1].Start - first), Units(endPeriod - first),
                    frequency == 0 ? 0m : periods.Skip(1).Average(p => p.Sum));
            }, StringComparer.Ordinal);
    }

    /// <summary>Asserts that the CLI's rows are exactly the reference rows, each number within 1e-6.</summary>
    public static void AssertMatches(IReadOnlyDictionary<string, Row> expected, IReadOnlyDictionary<string, RfmRow> actual)
    {
        var missing = expected.Keys.Except(actual.Keys).Order(StringComparer.Ordinal).Take(5).ToList();
        var extra = actual.Keys.Except(expected.Keys).Order(StringComparer.Ordinal).Take(5).ToList();
        Assert.True(missing.Count == 0 && extra.Count == 0,
            $"{expected.Count} customers expected, {actual.Count} printed; missing e.g. [{string.Join(", ", missing)}], extra e.g. [{string.Join(", ", extra)}]");
        var wrong = new List<string>();
        foreach (var (id, e) in expected)
        {
            var a = actual[id];
            if (e.Frequency != a.Frequency || Math.Abs(e.Recency - (double)a.Recency) > 1e-6 || Math.Abs(e.T - (double)a.T) > 1e-6
                || Math.Abs(e.MonetaryValue - a.MonetaryValue) > 1e-6m)
                wrong.Add($"{id}: expected ({e.Frequency}, {e.Recency}, {e.T}, {e.MonetaryValue}), printed ({a.Frequency}, {a.Recency}, {a.T}, {a.MonetaryValue})");
        }

        Assert.True(wrong.Count == 0, $"{wrong.Count} of {expected.Count} rows differ, e.g.\n{string.Join('\n', wrong.Take(10))}");
    }
}
