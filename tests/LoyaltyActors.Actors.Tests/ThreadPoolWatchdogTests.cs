using LoyaltyActors.Actors.Hosting;
using Xunit;

namespace LoyaltyActors.Actors.Tests;

/// <summary>The watchdog's decision: wake the pool only when work waits and none completes, one wake-up at a time.</summary>
public sealed class ThreadPoolWatchdogTests
{
    private long _completed;
    private long _pending;
    private readonly List<Action> _kicks = [];

    private ThreadPoolWatchdog.StallDetector Detector() => new(() => _completed, () => _pending, ran => _kicks.Add(ran));

    private void Looks(ThreadPoolWatchdog.StallDetector detector, int n)
    {
        for (var i = 0; i < n; i++) detector.Look();
    }

    [Fact]
    public void Work_pending_and_none_completed_for_two_looks_is_kicked()
    {
        var detector = Detector();
        _pending = 56;
        Assert.False(detector.Look());
        Assert.True(detector.Look());
        Assert.Single(_kicks);
    }

    [Fact]
    public void No_second_kick_until_the_first_one_has_run()
    {
        var detector = Detector();
        _pending = 56;
        Looks(detector, 10);
        Assert.Single(_kicks);

        _kicks[0](); // the kick's work item ran, yet nothing else completed (it is not counted here)
        Assert.True(detector.Look());
        Assert.Equal(2, _kicks.Count);
    }

    [Fact]
    public void A_pool_completing_work_is_left_alone_however_much_is_pending()
    {
        var detector = Detector();
        _pending = 10_000;
        for (var i = 0; i < 10; i++)
        {
            _completed += 3;
            Assert.False(detector.Look());
        }

        Assert.Empty(_kicks);
    }

    [Fact]
    public void An_idle_pool_with_nothing_pending_is_left_alone()
    {
        var detector = Detector();
        Looks(detector, 10);
        Assert.Empty(_kicks);
    }

    [Fact]
    public void Progress_resets_the_count_of_quiet_looks()
    {
        var detector = Detector();
        _pending = 4;
        Assert.False(detector.Look()); // quiet 1
        _completed++;
        Assert.False(detector.Look()); // progress
        Assert.False(detector.Look()); // quiet 1 again
        Assert.True(detector.Look());  // quiet 2
        Assert.Single(_kicks);
    }
}
