using Akka.Actor;
using LoyaltyActors.Actors.Customers;
using LoyaltyActors.Domain.Customers;
using LoyaltyActors.Domain.Wire;
using NodaTime;
using Xunit;

namespace LoyaltyActors.Ingress.Tests;

/// <summary>
/// The ingestor against a stand-in for the customers: on a local actor system each customer's reply goes straight into
/// the request's collector; these tests check that every reply lands on its own events and that nothing is acknowledged
/// when a customer refuses, or does not answer before the request is canceled.
/// </summary>
public sealed class EventIngestorTests : Akka.TestKit.Xunit2.TestKit
{
    private static readonly Instant At = Instant.FromUtc(2026, 1, 1, 10, 0);

    private static WireResult View(string eventId, string customerId) =>
        new(new RecordView(eventId, customerId, At, "sku", 1), null);

    /// <summary>Answers each <see cref="RecordEvents"/> with one rejection per command naming the customer and the event.</summary>
    private sealed class EchoCustomers : ReceiveActor
    {
        public EchoCustomers() =>
            Receive<RecordEvents>(m => Sender.Tell(new RecordEventsResult(
                m.Commands.Select(c => (Decision)new Decision.Rejected(RejectionKind.Invalid, m.CustomerId, c.EventId)).ToArray())));
    }

    /// <summary>Fails the write of customer <c>refused</c>; answers everyone else like <see cref="EchoCustomers"/>.</summary>
    private sealed class RefusingCustomers : ReceiveActor
    {
        public RefusingCustomers() =>
            Receive<RecordEvents>(m => Sender.Tell(m.CustomerId == "refused"
                ? new Status.Failure(new InvalidOperationException("disk full"))
                : new RecordEventsResult(m.Commands.Select(_ => (Decision)Decision.Duplicate.Instance).ToArray())));
    }

    [Fact]
    public async Task Each_customers_reply_lands_on_its_own_events_in_the_order_sent()
    {
        var ingestor = new EventIngestor(Sys.ActorOf(Props.Create(() => new EchoCustomers())), TimeSpan.FromMinutes(1));
        var events = new List<WireResult>();
        for (var i = 0; i < 300; i++) events.Add(View($"e-{i}", $"c-{i % 70}"));
        events.Insert(5, new WireResult(null, new WireError("bad-1", "type", "unknown event type")));

        var outcomes = await ingestor.IngestAsync(events);

        Assert.Equal(events.Count, outcomes.Length);
        for (var i = 0; i < events.Count; i++)
        {
            if (events[i].Command is not { } command)
            {
                Assert.Equal(("bad-1", EventOutcome.Rejected), (outcomes[i].EventId, outcomes[i].Status));
                continue;
            }

            Assert.Equal(command.EventId, outcomes[i].EventId);
            Assert.Equal($"{command.CustomerId}: {command.EventId}", outcomes[i].Error);
        }
    }

    [Fact]
    public async Task A_customer_whose_write_failed_makes_the_whole_request_unavailable()
    {
        var ingestor = new EventIngestor(Sys.ActorOf(Props.Create(() => new RefusingCustomers())), TimeSpan.FromMinutes(1));

        var error = await Assert.ThrowsAsync<StorageUnavailableException>(() =>
            ingestor.IngestAsync([View("e-1", "a"), View("e-2", "refused"), View("e-3", "b")]));
        Assert.IsType<JournalUnavailableException>(error.InnerException);
    }

    [Fact]
    public async Task A_customer_that_has_not_answered_when_the_request_is_canceled_makes_it_unavailable()
    {
        var probe = CreateTestProbe();
        var ingestor = new EventIngestor(probe.Ref, TimeSpan.FromMinutes(1));
        using var canceled = new CancellationTokenSource();

        var ingest = ingestor.IngestAsync([View("e-1", "a"), View("e-2", "b")], canceled.Token);
        var first = await probe.ExpectMsgAsync<RecordEvents>();
        await probe.ExpectMsgAsync<RecordEvents>();
        probe.Reply(new RecordEventsResult([Decision.Duplicate.Instance]));
        await canceled.CancelAsync();

        await Assert.ThrowsAsync<StorageUnavailableException>(() => ingest);
        Assert.Equal("a", first.CustomerId);
    }
}
