using Akka.Streams;
using Akka.Streams.Dsl;
using Akka.TestKit.Xunit2;
using LoyaltyActors.Actors.Projections;
using LoyaltyActors.Domain.Customers;
using NodaTime;
using Xunit;

namespace LoyaltyActors.Actors.Tests;

/// <summary>
/// <see cref="JournalBatches.Joined"/>: the live feeds hand the projections whole batches (a commit's events) and join only
/// the batches that wait together, never more than the limit, never splitting one, never reordering.
/// </summary>
public sealed class JournalBatchesTests : TestKit
{
    private static long _offset;

    private static JournalEvent[] Batch(int events) =>
        Enumerable.Range(0, events).Select(_ =>
        {
            var offset = Interlocked.Increment(ref _offset);
            return new JournalEvent("c-" + offset % 7, offset, offset, new ItemViewed("e-" + offset, Instant.FromUnixTimeSeconds(offset), "SKU-A", 1));
        }).ToArray();

    [Fact]
    public async Task Batches_that_wait_together_are_joined_and_a_batch_taken_at_once_goes_on_as_it_is()
    {
        var batches = new[] { Batch(3), Batch(2), Batch(4), Batch(1) };
        var allIn = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var consumerFree = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var passed = 0;

        // The consumer takes the first batch and stays busy until every batch has reached the joining stage.
        var run = Source.From(batches)
            .Select(b =>
            {
                if (Interlocked.Increment(ref passed) == batches.Length) allIn.TrySetResult();
                return b;
            })
            .Via(JournalBatches.Joined(100))
            .SelectAsync(1, async list =>
            {
                await consumerFree.Task;
                return list;
            })
            .RunWith(Sink.Seq<IList<JournalEvent>>(), Sys.Materializer());
        await allIn.Task.WaitAsync(TimeSpan.FromSeconds(10));
        consumerFree.SetResult();
        var received = await run.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(2, received.Count);
        Assert.Same(batches[0], received[0]);
        Assert.Equal(batches.Skip(1).SelectMany(b => b), received[1]);
    }

    [Fact]
    public async Task Whatever_the_sizes_and_the_limit_every_event_comes_once_in_order_and_no_joined_list_exceeds_the_limit()
    {
        var random = new Random(20261124);
        for (var round = 0; round < 50; round++)
        {
            var max = random.Next(1, 40);
            var batches = Enumerable.Range(0, random.Next(1, 60)).Select(_ => Batch(random.Next(1, 50))).ToArray();
            var received = await Source.From(batches)
                .Via(JournalBatches.Joined(max))
                .Async() // the consumer on its own: batches wait and are joined as the two sides' speeds allow
                .RunWith(Sink.Seq<IList<JournalEvent>>(), Sys.Materializer())
                .WaitAsync(TimeSpan.FromSeconds(10));

            Assert.Equal(batches.SelectMany(b => b), received.SelectMany(l => l));
            Assert.All(received, l => Assert.True(l.Count <= max || batches.Any(b => ReferenceEquals(b, l)),
                $"a list of {l.Count} events, over the limit of {max}, that is not one batch as it came"));
        }
    }
}
