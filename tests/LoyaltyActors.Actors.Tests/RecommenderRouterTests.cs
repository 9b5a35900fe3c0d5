using System.Text.Json;
using Akka.Actor;
using LoyaltyActors.Actors.Customers;
using LoyaltyActors.Actors.Projections;
using LoyaltyActors.Actors.Tests.Support;
using LoyaltyActors.Domain.Customers;
using LoyaltyActors.Domain.Recommendations;
using LoyaltyActors.Storage;
using NodaTime;
using Xunit;
using Xunit.Abstractions;

namespace LoyaltyActors.Actors.Tests;

/// <summary>
/// The live recommender (<see cref="RecommenderRouter"/>) on a real journal: partitions fed by one stream answer what one
/// model folded from the same journal answers, and stopped, restarted and fed more events they count each event once.
/// </summary>
public sealed class RecommenderRouterTests(ITestOutputHelper output) : CustomerTestKit(output)
{
    private readonly string _models = Path.Combine(Path.GetTempPath(), "loyalty-router-tests", Guid.NewGuid().ToString("N") + ".db");

    [Fact]
    public async Task Partitions_fed_by_one_stream_answer_like_one_model_and_resume_after_a_stop_counting_nothing_twice()
    {
        var settings = new RecommenderSettings(MaxPairsPerOrder: 4, SimilarMinPairCount: 1, Partitions: 3);
        var random = new Random(11);
        var customers = Enumerable.Range(0, 12).Select(i => new CustomerCommands($"r-{i}", Instant.FromUtc(2024, 1, 1, 0, 0))).ToArray();
        var actors = customers.Select(c => Sys.ActorOf(CustomerActor.Props(c.CustomerId, Settings()), c.CustomerId)).ToArray();
        var events = 0;

        async Task RecordOrdersAsync(int count)
        {
            for (var n = 0; n < count; n++)
            {
                var i = random.Next(customers.Length);
                var lines = Enumerable.Range(0, 1 + random.Next(5))
                    .Select(_ => new PurchaseLineInput($"sku-{random.Next(15)}", "cat", 1, 2m)).ToArray();
                var result = await RecordAsync(actors[i], customers[i].CustomerId,
                    customers[i].Purchase($"e-{events}", $"o-{events}", Duration.FromHours(events), lines));
                Assert.All(result.Outcomes, o => Assert.IsType<Decision.Accepted>(o));
                events++;
            }
        }

        await RecordOrdersAsync(150);
        using var store = new ModelStore(_models);
        var router = Sys.ActorOf(RecommenderRouter.Props(RecommenderPartitions.Load(store, settings), store,
            new ProjectionSettings(SaveEveryEvents: 40)), "recommender-1");
        await AssertAnswersLikeOneModelAsync(router, settings, events);

        // Stopped (each partition saves its model and offset), more events, restarted from the saved models.
        await StopAsync(router);
        Assert.All(RecommenderPartitions.Load(store, settings), p => Assert.Equal(150, p.EventsConsumed));
        await RecordOrdersAsync(120);
        var restarted = Sys.ActorOf(RecommenderRouter.Props(RecommenderPartitions.Load(store, settings), store,
            new ProjectionSettings(SaveEveryEvents: 40)), "recommender-2");
        await AssertAnswersLikeOneModelAsync(restarted, settings, events);
    }

    private async Task AssertAnswersLikeOneModelAsync(IActorRef router, RecommenderSettings settings, int events)
    {
        await AwaitAssertAsync(async () =>
        {
            var status = await router.Ask<RecommenderStatus>(GetRecommenderStatus.Instance, TimeSpan.FromSeconds(5));
            Assert.Equal(events, status.EventsConsumed); // the least of the partitions: every one has every event
        }, TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(200));

        var whole = RecommenderProjection.Empty(settings with { Partitions = 1 });
        await whole.CatchUpAsync(Sys);
        Assert.Equal(events, whole.EventsConsumed);

        var merged = await router.Ask<RecommenderStatus>(GetRecommenderStatus.Instance, TimeSpan.FromSeconds(5));
        Assert.Equal((RecommenderStatus)whole.Answer(GetRecommenderStatus.Instance)! with { Partitions = 3 }, merged);
        Assert.True(merged.DistinctPairs > 0 && merged.CappedOrders > 0, $"pairs are counted and some orders capped: {merged}");

        foreach (var (s, c, limit) in new (double, double, int?)[] { (0, 0, null), (0.01, 0.2, null), (0.02, 0, 7) })
        {
            var q = new GetRules(s, c, limit);
            Assert.Equal(((RulesResult)whole.Answer(q)!).Rules, (await router.Ask<RulesResult>(q, TimeSpan.FromSeconds(5))).Rules);
        }

        for (var sku = 0; sku < 16; sku++)
        {
            var q = new GetSimilarItems($"sku-{sku}", 5, SimilarityMeasure.Cosine);
            Assert.Equal(Json(whole.Answer(q)), Json(await router.Ask<SimilarItemsResult>(q, TimeSpan.FromSeconds(5))));
        }

        var r = new GetRecommendations(["sku-1", "sku-7", "sku-3"], new HashSet<string>(["sku-1", "sku-7", "sku-3", "sku-4"]), 6);
        Assert.Equal(Json(whole.Answer(r)), Json(await router.Ask<RecommendationsResult>(r, TimeSpan.FromSeconds(5))));
    }

    private static string Json(object? value) => JsonSerializer.Serialize(value);

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        try
        {
            File.Delete(_models);
        }
        catch (IOException)
        {
        }
    }
}
