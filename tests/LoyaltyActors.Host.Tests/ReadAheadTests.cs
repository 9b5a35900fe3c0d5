using LoyaltyActors.Host.Replay;
using Xunit;

namespace LoyaltyActors.Host.Tests;

/// <summary>The replay's read-ahead: a source read on a thread of its own, handed on in order.</summary>
public sealed class ReadAheadTests
{
    private static IEnumerable<int> Numbers(int count, Action<int>? onEach = null)
    {
        for (var i = 0; i < count; i++)
        {
            onEach?.Invoke(i);
            yield return i;
        }
    }

    [Fact]
    public async Task Every_item_comes_out_once_in_the_source_order_across_many_chunks()
    {
        var seen = new List<int>();
        await foreach (var i in ReadAhead.Of(Numbers(20_000), CancellationToken.None)) seen.Add(i);
        Assert.Equal(Enumerable.Range(0, 20_000), seen);
    }

    [Fact]
    public async Task The_first_items_reach_the_consumer_before_the_source_has_read_a_full_chunk()
    {
        // The source stops after its first 16 items until the consumer has seen one; with a full first chunk (512) the
        // consumer would wait for items the source never reads.
        using var firstSeen = new ManualResetEventSlim();
        var waited = true;
        IEnumerable<int> Source()
        {
            for (var i = 0; i < 1_000; i++)
            {
                if (i == 16) waited = firstSeen.Wait(TimeSpan.FromSeconds(30));
                yield return i;
            }
        }

        var seen = new List<int>();
        await foreach (var i in ReadAhead.Of(Source(), CancellationToken.None))
        {
            seen.Add(i);
            firstSeen.Set();
        }

        Assert.True(waited, "the consumer saw no item while the source held back its 17th");
        Assert.Equal(Enumerable.Range(0, 1_000), seen);
    }

    [Fact]
    public async Task The_source_runs_on_a_thread_other_than_the_consumers()
    {
        var sourceThreads = new HashSet<int>();
        var consumerThreads = new HashSet<int>();
        await foreach (var _ in ReadAhead.Of(Numbers(5_000, _ => { lock (sourceThreads) sourceThreads.Add(Environment.CurrentManagedThreadId); }), CancellationToken.None))
            consumerThreads.Add(Environment.CurrentManagedThreadId);
        Assert.Single(sourceThreads);
        Assert.DoesNotContain(sourceThreads.Single(), consumerThreads);
    }

    [Fact]
    public async Task The_source_runs_at_a_lower_priority_than_the_consumer()
    {
        if (!OperatingSystem.IsLinux()) return; // niceness is read where it is set: Linux
        var consumer = UpstreamPriority.CurrentNiceness()!.Value;
        var source = new HashSet<int>();
        await foreach (var _ in ReadAhead.Of(Numbers(2_000, _ => { lock (source) source.Add(UpstreamPriority.CurrentNiceness()!.Value); }), CancellationToken.None))
        {
        }

        // (Not checked: the consumer's niceness after the loop. It may resume on a pool worker that the pool created from the
        // source's thread while growing, which inherits the lower priority: see UpstreamPriority.)
        Assert.Equal([Math.Min(19, consumer + 10)], source);
    }

    [Fact]
    public void Lowering_a_threads_priority_lowers_that_thread_alone()
    {
        if (!OperatingSystem.IsLinux()) return; // niceness is read where it is set: Linux
        var mine = UpstreamPriority.CurrentNiceness();
        int? before = null, after = null;
        var lowered = false;
        var thread = new Thread(() =>
        {
            before = UpstreamPriority.CurrentNiceness();
            lowered = UpstreamPriority.Lower(3);
            after = UpstreamPriority.CurrentNiceness();
        });
        thread.Start();
        thread.Join();
        Assert.True(lowered);
        Assert.Equal(Math.Min(19, before!.Value + 3), after);
        Assert.Equal(mine, UpstreamPriority.CurrentNiceness());
    }

    [Fact]
    public async Task A_failure_of_the_source_comes_out_after_the_items_read_before_it()
    {
        var seen = new List<int>();
        var ex = await Assert.ThrowsAsync<InvalidDataException>(async () =>
        {
            await foreach (var i in ReadAhead.Of(Numbers(3_000, i => { if (i == 2_000) throw new InvalidDataException("row 2000"); }), CancellationToken.None))
                seen.Add(i);
        });
        Assert.Equal("row 2000", ex.Message);
        Assert.Equal(Enumerable.Range(0, 2_000), seen);
    }

    [Fact(Timeout = 60_000)]
    public async Task A_consumer_that_stops_early_stops_a_source_blocked_ahead_of_it()
    {
        // An endless source fills the read-ahead and blocks; leaving the loop must end it (the enumerator's disposal waits for it).
        var produced = 0;
        await foreach (var i in ReadAhead.Of(Numbers(int.MaxValue, _ => Interlocked.Increment(ref produced)), CancellationToken.None))
            if (i == 10) break;
        var afterStop = Volatile.Read(ref produced);
        Assert.InRange(afterStop, 11, 100_000);
        Assert.Equal(afterStop, Volatile.Read(ref produced));
    }
}
