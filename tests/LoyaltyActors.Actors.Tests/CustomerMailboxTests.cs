using Akka.Actor;
using Akka.Dispatch.MessageQueues;
using LoyaltyActors.Actors.Customers;
using Xunit;

namespace LoyaltyActors.Actors.Tests;

/// <summary>The customer mailbox's queue: first in first out, a front for unstashing, safe for many producers.</summary>
public sealed class CustomerMailboxTests
{
    private static Envelope Msg(object message) => new(message, ActorRefs.NoSender);

    private static List<object> Drain(IMessageQueue queue)
    {
        var taken = new List<object>();
        while (queue.TryDequeue(out var e)) taken.Add(e.Message);
        return taken;
    }

    [Fact]
    public void Messages_come_out_in_the_order_they_went_in_across_growth_and_reuse()
    {
        var queue = new CustomerMessageQueue();
        Assert.False(queue.HasMessages);
        Assert.False(queue.TryDequeue(out _));

        for (var round = 0; round < 3; round++)
        {
            // Interleaved: a few in, one out, so the ring wraps before it grows.
            var expected = new List<object>();
            var taken = new List<object>();
            for (var i = 0; i < 40; i++)
            {
                queue.Enqueue(ActorRefs.Nobody, Msg((round, i)));
                expected.Add((round, i));
                if (i % 3 == 2 && queue.TryDequeue(out var e)) taken.Add(e.Message);
            }

            Assert.Equal(expected.Count - taken.Count, queue.Count);
            Assert.True(queue.HasMessages);
            taken.AddRange(Drain(queue));
            Assert.Equal(expected, taken);
            Assert.Equal(0, queue.Count);
            Assert.False(queue.HasMessages);
        }
    }

    [Fact]
    public void Messages_put_in_front_come_out_first_last_put_first()
    {
        var queue = new CustomerMessageQueue();
        queue.Enqueue(ActorRefs.Nobody, Msg("a"));
        queue.Enqueue(ActorRefs.Nobody, Msg("b"));
        Assert.True(queue.TryDequeue(out var first));
        Assert.Equal("a", first.Message);

        // Unstashing puts the stash back in front in reverse order, so it comes out in its original order.
        foreach (var stashed in new[] { "s3", "s2", "s1" }) queue.EnqueueFirst(Msg(stashed));
        queue.Enqueue(ActorRefs.Nobody, Msg("c"));
        for (var i = 0; i < 6; i++) queue.EnqueueFirst(Msg($"f{i}"));

        Assert.Equal(["f5", "f4", "f3", "f2", "f1", "f0", "s1", "s2", "s3", "b", "c"], Drain(queue));
    }

    [Fact]
    public void Clean_up_hands_every_message_left_to_the_dead_letters_in_order()
    {
        var queue = new CustomerMessageQueue();
        for (var i = 0; i < 7; i++) queue.Enqueue(ActorRefs.Nobody, Msg(i));
        var dead = new CustomerMessageQueue();

        queue.CleanUp(ActorRefs.Nobody, dead);

        Assert.False(queue.HasMessages);
        Assert.Equal(Enumerable.Range(0, 7).Cast<object>(), Drain(dead));
    }

    [Fact]
    public async Task Concurrent_producers_lose_nothing_and_each_keeps_its_order()
    {
        const int producers = 4, each = 20_000;
        var queue = new CustomerMessageQueue();
        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var writers = Enumerable.Range(0, producers).Select(p => Task.Run(async () =>
        {
            await start.Task;
            for (var i = 0; i < each; i++) queue.Enqueue(ActorRefs.Nobody, Msg((p, i)));
        })).ToArray();

        var next = new int[producers];
        var taken = 0;
        start.SetResult();
        var done = Task.WhenAll(writers);
        while (taken < producers * each)
        {
            if (!queue.TryDequeue(out var e))
            {
                Assert.False(done.IsFaulted);
                await Task.Yield();
                continue;
            }

            var (p, i) = ((int, int))e.Message;
            Assert.Equal(next[p], i);
            next[p]++;
            taken++;
        }

        await done;
        Assert.False(queue.HasMessages);
        Assert.All(next, n => Assert.Equal(each, n));
    }
}
