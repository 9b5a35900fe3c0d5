namespace LoyaltyActors.Host;

/// <summary>
/// Runtime settings a server is meant to run with, set in the process environment by every launcher we ship:
/// <c>dotnet run</c> through launchSettings.json, the scripts, and <c>loyalty bench</c> for the servers it starts. The
/// runtime would also read them from runtimeconfig.json (<c>System.Runtime.TieredCompilation.CallCountingDelayMs</c>),
/// but that file holds for every command of this one executable, and a <c>replay</c> is over before the recompiled code
/// pays for itself.
/// </summary>
/// <remarks>
/// <c>DOTNET_TC_CallCountingDelayMs=0</c>: by default tiered compilation starts counting calls of tier-0 methods only
/// after 100 ms in which no new method was compiled. A server that just started (or restarted after a crash) keeps
/// meeting new methods while it recovers customers and takes its first requests, so it ran unoptimised code for
/// seconds. With the delay at 0 a method is recompiled optimised after its first 30 calls. Measured with
/// <c>loyalty bench --only cold</c> (bulk recovery right after a restart): 393–418 → 282–289 µs of server CPU per
/// first touch; with <c>--only http</c>: 66–69 → 55–58 µs per event at 4 connections.
/// </remarks>
internal static class RuntimeTuning
{
    public const string CallCountingDelay = "DOTNET_TC_CallCountingDelayMs";

    /// <summary>The variables and the values the engine should run with.</summary>
    public static IReadOnlyDictionary<string, string> Environment { get; } = new Dictionary<string, string>
    {
        [CallCountingDelay] = "0",
    };

    /// <summary>Sets each variable in <paramref name="environment"/> (a child's) that is not set there already.</summary>
    public static void ApplyTo(IDictionary<string, string?> environment)
    {
        foreach (var (name, value) in Environment)
            if (!environment.TryGetValue(name, out var set) || string.IsNullOrEmpty(set)) environment[name] = value;
    }

    /// <summary>A one-line note for the operator when this process runs without them, else null.</summary>
    public static string? Advice()
    {
        var missing = Environment.Where(v => string.IsNullOrEmpty(System.Environment.GetEnvironmentVariable(v.Key)))
            .Select(v => $"{v.Key}={v.Value}").ToArray();
        return missing.Length == 0
            ? null
            : $"loyalty: note: {string.Join(", ", missing)} is not set in the environment; without it a freshly started server " +
              "runs unoptimised code for its first seconds (recoveries ~30 % slower). See README, Running the engine.";
    }
}
