using System.Text.Json;
using LoyaltyActors.Host.Bench;
using LoyaltyActors.Tests;
using Xunit;

namespace LoyaltyActors.Host.Tests;

/// <summary>
/// The runtime settings a server runs with (<see cref="RuntimeTuning"/>, set in the environment) reach every process we launch:
/// the bench's servers (not its replays), <c>dotnet run</c> (launchSettings.json) and the scripts that start servers.
/// </summary>
public sealed class RuntimeTuningTests
{
    [Fact]
    public void Applying_sets_what_is_missing_or_empty_and_keeps_what_the_caller_chose()
    {
        var missing = new Dictionary<string, string?>();
        var empty = new Dictionary<string, string?> { [RuntimeTuning.CallCountingDelay] = "" };
        var chosen = new Dictionary<string, string?> { [RuntimeTuning.CallCountingDelay] = "100" };

        RuntimeTuning.ApplyTo(missing);
        RuntimeTuning.ApplyTo(empty);
        RuntimeTuning.ApplyTo(chosen);

        Assert.Equal("0", missing[RuntimeTuning.CallCountingDelay]);
        Assert.Equal("0", empty[RuntimeTuning.CallCountingDelay]);
        Assert.Equal("100", chosen[RuntimeTuning.CallCountingDelay]);
    }

    [Fact]
    public void A_bench_child_runs_with_every_setting()
    {
        var info = BenchChild.StartInfo(new Dictionary<string, string>(), "serve");

        foreach (var (name, value) in RuntimeTuning.Environment)
        {
            // The test process may run with its own value; the child keeps it then, as an operator's A/B run would.
            var own = Environment.GetEnvironmentVariable(name);
            Assert.Equal(string.IsNullOrEmpty(own) ? value : own, info.Environment[name]);
        }
    }

    [Fact]
    public void A_bench_replay_runs_without_them_unless_asked()
    {
        var plain = BenchChild.StartInfo(new Dictionary<string, string>(), "replay", "input", "--format", "cdnow");
        var asked = BenchChild.StartInfo(new Dictionary<string, string>(RuntimeTuning.Environment), "replay", "input");

        // Whatever this test process runs with, the plain replay child does not inherit it.
        foreach (var (name, value) in RuntimeTuning.Environment)
        {
            Assert.False(plain.Environment.ContainsKey(name), name);
            Assert.Equal(value, asked.Environment[name]);
        }
    }

    [Fact]
    public void The_executable_runs_server_gc_with_fixed_generation_budgets()
    {
        // Set in the Host project (GarbageCollectionAdaptationMode), so it holds for every way the executable is started.
        var path = Path.ChangeExtension(LoyaltyHostProcess.LoyaltyDll, ".runtimeconfig.json");
        using var config = JsonDocument.Parse(File.ReadAllText(path));
        var properties = config.RootElement.GetProperty("runtimeOptions").GetProperty("configProperties");

        Assert.True(properties.GetProperty("System.GC.Server").GetBoolean());
        Assert.Equal(0, properties.GetProperty("System.GC.DynamicAdaptationMode").GetInt32());
        Assert.Equal(0, properties.GetProperty("System.Threading.ThreadPool.UnfairSemaphoreSpinLimit").GetInt32());
    }

    [Fact]
    public void Dotnet_run_and_the_server_scripts_set_every_setting()
    {
        var root = TestData.RepoRoot;
        using var launch = JsonDocument.Parse(File.ReadAllText(Path.Combine(root, "src", "LoyaltyActors.Host", "Properties", "launchSettings.json")));
        var profiles = launch.RootElement.GetProperty("profiles").EnumerateObject().ToArray();
        Assert.NotEmpty(profiles);
        foreach (var profile in profiles)
        foreach (var (name, value) in RuntimeTuning.Environment)
            Assert.Equal(value, profile.Value.GetProperty("environmentVariables").GetProperty(name).GetString());

        foreach (var script in new[] { "cluster-up.sh", "bench-ingest.sh" })
        {
            var text = File.ReadAllText(Path.Combine(root, "scripts", script));
            foreach (var (name, value) in RuntimeTuning.Environment)
                Assert.Contains($"export {name}=\"${{{name}:-{value}}}\"", text);
        }
    }
}
