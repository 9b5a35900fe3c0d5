using Xunit;
using Xunit.Abstractions;

namespace LoyaltyActors.Host.Tests;

/// <summary>A server holding a data dir, shared by the refusal cases of <see cref="DataDirLockTests"/>.</summary>
public sealed class ServingHost : IAsyncLifetime
{
    public LoyaltyHostProcess Host { get; private set; } = null!;

    public async Task InitializeAsync() => Host = await LoyaltyHostProcess.StartAsync(environment: LoyaltyHostProcess.PointsOnly);

    public async Task DisposeAsync()
    {
        if (Host is not null) await Host.DisposeAsync();
    }
}

/// <summary>
/// Only one process owns a data dir. CONTRACT: offline commands refuse with a clear message while a server
/// holds it; failures exit non-zero with a one-line reason on stderr.
/// </summary>
public sealed class DataDirLockTests(ServingHost serving, ITestOutputHelper output) : IClassFixture<ServingHost>
{
    [Theory]
    [InlineData("serve", "--http", "http://127.0.0.1:0", "--tcp", "127.0.0.1:0")]
    [InlineData("customer", "somebody")]
    [InlineData("rfm-summary", "--as-of", "2025-01-01")]
    public async Task Command_on_a_data_dir_held_by_a_server_exits_non_zero_with_a_one_line_reason_naming_the_dir(params string[] command)
    {
        var host = serving.Host;

        var run = await LoyaltyHostProcess.RunCliAsync(null, [.. command, "--data-dir", host.DataDir]);
        output.WriteLine(run.ToString());

        Assert.True(run.ExitCode != 0, $"expected a refusal: {run}");
        Assert.True(run.Elapsed < TimeSpan.FromSeconds(20), $"the refusal should be quick: {run}");
        var lines = run.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.True(lines.Length == 1 && lines[0].StartsWith("loyalty: ", StringComparison.Ordinal) && lines[0].Contains(host.DataDir),
            $"expected one line 'loyalty: ...' naming the data dir on stderr: {run}");

        // The running server is untouched and still records events.
        var id = "lock-" + command[0];
        await host.PostAcceptedAsync([WireEvents.View(id, id, "2025-01-01T00:00:00Z", "sku", 1)]);
        Assert.Equal(1, (await host.GetProfileAsync(id)).GetProperty("views").GetInt32());
    }

    [Fact]
    public async Task Data_dir_is_free_again_after_the_holder_is_killed()
    {
        await using var host = await LoyaltyHostProcess.StartAsync(output);
        await host.PostAcceptedAsync([WireEvents.View("l-2", "l-cust2", "2025-01-01T00:00:00Z", "sku", 1)]);
        await host.KillAsync();

        await host.StartAsync(); // throws, with the host's output, if the dir were still locked

        Assert.Equal(1, (await host.GetProfileAsync("l-cust2")).GetProperty("views").GetInt32());
    }
}
