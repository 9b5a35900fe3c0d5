using LoyaltyActors.Domain.Customers;
using LoyaltyActors.Domain.Wire;
using LoyaltyActors.Ingress.Replay;
using Xunit;

namespace LoyaltyActors.Ingress.Tests.Replay;

/// <summary>A temporary folder for synthetic replay files, deleted afterwards.</summary>
public sealed class TempDir : IDisposable
{
    public TempDir() => Directory.CreateDirectory(Path);

    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "replay-tests-" + Guid.NewGuid().ToString("N"));

    /// <summary>Writes <paramref name="text"/> verbatim (UTF-8, no BOM, line endings as given).</summary>
    public string Write(string name, string text)
    {
        var file = System.IO.Path.Combine(Path, name);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(file)!);
        File.WriteAllText(file, text, new System.Text.UTF8Encoding(false));
        return file;
    }

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); }
        catch (IOException) { }
    }
}

internal static class Replays
{
    public static List<ReplayItem> ReadAll(string path, ReplayFormat format, WireLimits? limits = null) =>
        ReplayReader.Read(path, format, limits ?? WireLimits.Default).ToList();

    /// <summary>Every item accounts for its rows, ids of commands are unique and progress ends at the total.</summary>
    public static void AssertWellFormed(string path, IReadOnlyList<ReplayItem> items, int dataRows)
    {
        Assert.Equal(dataRows, items.Sum(i => i.Rows));
        foreach (var item in items)
        {
            Assert.True(item.Command is null ^ item.Error is null, $"{item}: exactly one of command and error");
            Assert.True(item.Line >= 1);
            Assert.True(item.Rows >= 0);
            if (item.Command is { } c) Assert.Equal(c.EventId, item.EventId);
            else Assert.True(item.Rows >= 1, $"a rejection covers rows: {item}");
        }

        var ids = items.Where(i => i.Command is not null).Select(i => i.EventId!).ToList();
        Assert.Equal(ids.Count, ids.Distinct(StringComparer.Ordinal).Count());
        for (var i = 1; i < items.Count; i++) Assert.True(items[i].BytesRead >= items[i - 1].BytesRead, "progress never goes back");
        if (items.Count > 0) Assert.Equal(ReplayReader.TotalBytes(path), items[^1].BytesRead);
    }

    /// <summary>Folds commands into per-customer states through the domain's decider; returns the refusals.</summary>
    public static List<(CustomerCommand Command, Decision.Rejected Why)> Fold(
        IEnumerable<CustomerCommand> commands, Dictionary<string, CustomerState> states)
    {
        var rejected = new List<(CustomerCommand, Decision.Rejected)>();
        foreach (var command in commands)
        {
            var state = states.GetValueOrDefault(command.CustomerId) ?? CustomerState.Empty;
            switch (CustomerDecider.Decide(state, command, PointsPolicy.Default))
            {
                case Decision.Accepted a:
                    states[command.CustomerId] = state.Apply(a.Event);
                    break;
                case Decision.Rejected r:
                    rejected.Add((command, r));
                    break;
                case Decision.Duplicate:
                    throw new Xunit.Sdk.XunitException($"duplicate event id {command.EventId}");
            }
        }

        return rejected;
    }
}
