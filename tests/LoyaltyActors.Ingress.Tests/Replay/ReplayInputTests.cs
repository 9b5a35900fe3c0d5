using LoyaltyActors.Ingress.Replay;
using Xunit;

namespace LoyaltyActors.Ingress.Tests.Replay;

/// <summary>
/// <see cref="ReplayInput.Prefetch"/>: the files asked into memory ahead of the reader. What the kernel does with the
/// advice is measured by the benchmark (a cold Online Retail folder); here, which files are asked for, and that asking
/// never gets in the reader's way.
/// </summary>
public sealed class ReplayInputTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private string[] Files(params int[] sizes)
    {
        var files = new string[sizes.Length];
        for (var i = 0; i < sizes.Length; i++)
        {
            files[i] = Path.Combine(_dir.Path, $"f{i:D2}.txt");
            File.WriteAllText(files[i], new string('x', sizes[i] - 1) + "\n");
        }

        return files;
    }

    [Fact]
    public void Files_are_asked_for_in_order_until_the_byte_budget_is_reached()
    {
        var files = Files(100, 100, 100, 100, 100);
        Assert.Equal((3, 300L), ReplayInput.Prefetch(files, 0, 250));
        Assert.Equal((2, 200L), ReplayInput.Prefetch(files, 3, 1_000));
        Assert.Equal((0, 0L), ReplayInput.Prefetch(files, 5, 1_000));
    }

    [Fact]
    public void At_least_one_file_is_asked_for_even_over_the_budget()
    {
        var files = Files(5_000, 100);
        Assert.Equal((1, 5_000L), ReplayInput.Prefetch(files, 0, 10));
    }

    [Fact]
    public void A_file_that_cannot_be_opened_is_passed_over_and_left_to_the_reader()
    {
        var files = Files(100, 100, 100);
        File.Delete(files[1]);
        Assert.Equal((3, 200L), ReplayInput.Prefetch(files, 0, 1_000));
    }

    [Fact]
    public void A_folder_of_many_files_is_read_whole_and_in_order_while_it_is_asked_ahead()
    {
        var files = Files(Enumerable.Repeat(64, 40).ToArray());
        var lines = 0;
        long bytes = 0;
        foreach (var cursor in ReplayInput.Cursors(files))
        {
            while (cursor.TryReadLineSpan(out var line))
            {
                Assert.Equal(63, line.Length);
                lines++;
            }

            bytes = cursor.BytesRead;
        }

        Assert.Equal(40, lines);
        Assert.Equal(40 * 64L, bytes);
    }
}
