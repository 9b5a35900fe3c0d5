using Akka.Dispatch;
using LoyaltyActors.Actors.Persistence;
using Xunit;

namespace LoyaltyActors.Actors.Tests;

public sealed class DedicatedThreadExecutorTests
{
    private sealed class Step(Action action) : IRunnable
    {
        public void Run() => action();

#if NET
        public void Execute() => Run();
#endif
    }

    [Fact]
    public void Runs_everything_in_order_on_one_thread_outside_the_pool_and_drains_before_it_stops()
    {
        var executor = new DedicatedThreadExecutor("executor-test");
        var seen = new List<(int Step, int Thread, bool Pooled)>();
        using var done = new CountdownEvent(100);
        for (var i = 0; i < 100; i++)
        {
            var step = i;
            executor.Execute(new Step(() =>
            {
                seen.Add((step, Environment.CurrentManagedThreadId, Thread.CurrentThread.IsThreadPoolThread));
                done.Signal();
            }));
        }

        executor.Shutdown();
        Assert.True(executor.Thread.Join(TimeSpan.FromSeconds(10)), "the executor's thread did not exit after its shutdown");

        Assert.True(done.IsSet);
        Assert.Equal(Enumerable.Range(0, 100), seen.Select(s => s.Step));
        Assert.Single(seen.Select(s => s.Thread).Distinct());
        Assert.NotEqual(Environment.CurrentManagedThreadId, seen[0].Thread);
        Assert.DoesNotContain(seen, s => s.Pooled);
    }

    [Fact]
    public void A_failing_item_does_not_end_the_thread()
    {
        var executor = new DedicatedThreadExecutor("executor-test");
        using var after = new ManualResetEventSlim();
        executor.Execute(new Step(() => throw new InvalidOperationException("boom")));
        executor.Execute(new Step(after.Set));
        executor.Shutdown();

        Assert.True(executor.Thread.Join(TimeSpan.FromSeconds(10)), "the executor's thread did not exit after its shutdown");
        Assert.True(after.IsSet);
    }
}
