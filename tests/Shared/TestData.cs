namespace LoyaltyActors.Tests;

/// <summary>
/// Locates the read-only public data sets: <c>LOYALTY_TEST_DATA</c>, or <c>../shared/data</c> beside the
/// repository root. A missing data set skips the test, naming what is missing — except in CI
/// (<c>CI=true</c>), which always has the data, where it fails.
/// </summary>
public static class TestData
{
    public static string Root
    {
        get
        {
            var env = Environment.GetEnvironmentVariable("LOYALTY_TEST_DATA");
            if (!string.IsNullOrEmpty(env)) return Path.GetFullPath(env);
            return Path.GetFullPath(Path.Combine(RepoRoot, "..", "shared", "data"));
        }
    }

    public static string RepoRoot
    {
        get
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "LoyaltyActors.sln"))) dir = dir.Parent;
            return dir?.FullName ?? Directory.GetCurrentDirectory();
        }
    }

    /// <summary>The full path of <paramref name="relative"/> under the data root, or a skip when absent.</summary>
    public static string Require(string relative)
    {
        var path = Path.Combine(Root, relative);
        if (File.Exists(path) || Directory.Exists(path)) return path;
        var message = $"data set '{relative}' is missing under {Root} (set LOYALTY_TEST_DATA)";
        if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
            throw new InvalidOperationException(message);
        Xunit.Skip.If(true, message);
        return path;
    }
}
