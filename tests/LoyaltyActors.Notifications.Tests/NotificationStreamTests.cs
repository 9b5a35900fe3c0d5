using System.Text;
using Xunit;

namespace LoyaltyActors.Notifications.Tests;

public sealed class NotificationStreamTests
{
    [Fact]
    public async Task A_subscriber_that_falls_behind_its_buffer_is_dropped_without_holding_up_the_others()
    {
        var stream = new NotificationStream(bufferSize: 2);
        using var slow = stream.Subscribe();
        using var fast = stream.Subscribe();
        var fastFrames = new List<string>();

        for (var i = 1; i <= 3; i++)
        {
            stream.Publish(new StreamFrame(i, Encoding.UTF8.GetBytes($"frame {i}")));
            while (fast.Frames.TryRead(out var f)) fastFrames.Add(Encoding.UTF8.GetString(f.Bytes));
        }

        Assert.Equal(["frame 1", "frame 2", "frame 3"], fastFrames);
        Assert.Equal(1, stream.Dropped);
        Assert.Equal(1, stream.SubscriberCount);
        // The slow subscriber keeps what was buffered, then its stream ends.
        var slowFrames = new List<string>();
        await foreach (var f in slow.Frames.ReadAllAsync()) slowFrames.Add(Encoding.UTF8.GetString(f.Bytes));
        Assert.Equal(["frame 1", "frame 2"], slowFrames);
    }

    [Fact]
    public void A_disposed_subscription_leaves_the_stream()
    {
        var stream = new NotificationStream(bufferSize: 4);
        var subscription = stream.Subscribe();

        subscription.Dispose();
        stream.Publish(new StreamFrame(1, [1]));

        Assert.Equal(0, stream.SubscriberCount);
        Assert.Equal(0, stream.Dropped);
    }
}
