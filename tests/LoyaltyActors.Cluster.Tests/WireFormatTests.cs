using Xunit;
using System.Collections.Immutable;
using Akka.Actor;
using Akka.Configuration;
using LoyaltyActors.Actors.Cluster;
using LoyaltyActors.Actors.Customers;
using LoyaltyActors.Actors.Hosting;
using LoyaltyActors.Actors.Persistence;
using LoyaltyActors.Domain.Customers;
using NodaTime;

namespace LoyaltyActors.Cluster.Tests;

/// <summary>
/// Messages to and from customers cross nodes through Akka's default serializer; these round trips go through the
/// serializer a clustered node is configured with (the cluster HOCON over the actor system configuration).
/// </summary>
public sealed class WireFormatTests : IDisposable
{
    private static readonly Instant At = Instant.FromUtc(2026, 11, 20, 10, 15, 30) + Duration.FromTicks(1234567);
    private readonly ActorSystem _system;

    public WireFormatTests()
    {
        var cluster = new ClusterSettings("127.0.0.1", 0, ["akka.tcp://loyalty@127.0.0.1:1"]);
        // The cluster's serialization settings, without starting remoting in a unit test.
        var config = ConfigurationFactory.ParseString("akka.actor.provider = local")
            .WithFallback(ClusterHocon.For(cluster))
            .WithFallback(LoyaltyActorsHosting.ActorSystemConfig(JournalSettings.SqliteFile(Path.GetTempFileName()), PersistenceTuning.Default));
        _system = ActorSystem.Create("wire", config);
    }

    public void Dispose() => _system.Terminate().Wait(TimeSpan.FromSeconds(10));

    private T RoundTrip<T>(T message) where T : notnull
    {
        var serializer = _system.Serialization.FindSerializerFor(message);
        var bytes = serializer.ToBinary(message);
        var manifest = Akka.Serialization.Serialization.ManifestFor(serializer, message);
        return Assert.IsType<T>(_system.Serialization.Deserialize(bytes, serializer.Identifier, manifest));
    }

    [Fact]
    public void A_purchase_command_keeps_its_instant_lines_and_money()
    {
        var sent = new RecordEvents("C-1", [
            new RecordPurchase("e-1", "C-1", At, "O-1", "pos", [new PurchaseLineInput("SKU-1", "dairy", 3, 1.005m)]),
            new AdvanceClock("C-1", At + Duration.FromDays(400)),
        ]);

        var got = RoundTrip(sent);

        Assert.Equal("C-1", got.CustomerId);
        var purchase = Assert.IsType<RecordPurchase>(got.Commands[0]);
        Assert.Equal(At, purchase.OccurredAt);
        Assert.Equal(("e-1", "O-1", "pos"), (purchase.EventId, purchase.OrderId, purchase.Channel));
        Assert.Equal(new PurchaseLineInput("SKU-1", "dairy", 3, 1.005m), Assert.Single(purchase.Lines));
        var tick = Assert.IsType<AdvanceClock>(got.Commands[1]);
        Assert.Equal(At + Duration.FromDays(400), tick.OccurredAt);
        Assert.Equal(((AdvanceClock)sent.Commands[1]).EventId, tick.EventId);
    }

    [Fact]
    public void Queries_keep_their_dates_and_instants()
    {
        Assert.Equal(At, RoundTrip(new GetProfile("C-1", At)).AsOf);
        Assert.Null(RoundTrip(new GetProfile("C-1")).AsOf);
        var summary = RoundTrip(new GetSummary("C-1", new LocalDate(2026, 12, 1), SummaryFrequency.Week, 1.5));
        Assert.Equal(new LocalDate(2026, 12, 1), summary.AsOf);
        Assert.Equal((SummaryFrequency.Week, 1.5), (summary.Frequency, summary.FrequencyMultiplier));
    }

    [Fact]
    public void Decisions_come_back_with_the_events_they_persisted()
    {
        var purchase = new PurchaseRecorded("e-1", At, "O-1", "pos",
            [new PurchasedLine("SKU-1", "dairy", 2, 3.5m, 7)], 1, "silver", At + Duration.FromDays(365));
        var reply = new RecordEventsResult([
            new Decision.Accepted(purchase) { Events = [purchase, new WakeUpScheduled("w-1", At, At + Duration.FromDays(3))] },
            Decision.Duplicate.Instance,
            new Decision.Rejected(RejectionKind.Invalid, "lines[0].qty", "must be positive"),
        ]);

        var got = RoundTrip(reply);

        var accepted = Assert.IsType<Decision.Accepted>(got.Outcomes[0]);
        var recorded = Assert.IsType<PurchaseRecorded>(accepted.Event);
        Assert.Equal((At, "silver", At + Duration.FromDays(365)), (recorded.OccurredAt, recorded.Tier, recorded.ExpiresAt));
        Assert.Equal(purchase.Lines.ToArray(), recorded.Lines.ToArray());
        Assert.Equal(2, accepted.Events.Count);
        Assert.Equal(At + Duration.FromDays(3), Assert.IsType<WakeUpScheduled>(accepted.Events[1]).At);
        Assert.IsType<Decision.Duplicate>(got.Outcomes[1]);
        Assert.Equal("lines[0].qty: must be positive", Assert.IsType<Decision.Rejected>(got.Outcomes[2]).Error);
    }

    [Fact]
    public void Population_statistics_keep_every_moment()
    {
        var stats = new LoyaltyActors.Domain.Scoring.PopulationStats(new(1.5, 0.25), new(2, 3), new(0.1, 0.2), new(4.75, 1.125), new(0, 1), new(7, 8), -0.375);
        Assert.Equal(stats, RoundTrip(stats));
    }
}
