using System.Collections.Concurrent;
using Akka.Actor;
using Akka.Cluster.Sharding;
using LoyaltyActors.Actors.Customers;
using LoyaltyActors.Actors.Tests.Support;
using LoyaltyActors.Domain.Customers;
using NodaTime;
using Xunit;
using Xunit.Abstractions;

namespace LoyaltyActors.Actors.Tests;

/// <summary>Customers behind the single-node region: created on demand, passivated when idle, woken by the next message.</summary>
public sealed class LocalCustomerRegionTests(ITestOutputHelper output) : CustomerTestKit(output)
{
    private static readonly Instant Start = Instant.FromUtc(2024, 5, 1, 10, 0);

    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    /// <summary>How many times the region created each customer: more than once means it was passivated and woken.</summary>
    private readonly ConcurrentDictionary<string, int> _incarnations = new(StringComparer.Ordinal);

    private IActorRef Region(TimeSpan passivateAfter)
    {
        var settings = Settings(passivateAfter: passivateAfter);
        return Sys.ActorOf(LocalCustomerRegion.Props(new CustomerMessageExtractor(), id =>
        {
            _incarnations.AddOrUpdate(id, 1, (_, n) => n + 1);
            return CustomerActor.Props(id, settings);
        }, passivateAfter), "customers");
    }

    private static async Task<int> LiveCountAsync(IActorRef region) =>
        await region.Ask<int>(LocalCustomerRegion.GetLiveCount.Instance, TimeSpan.FromSeconds(3));

    private async Task AwaitNoneAwakeAsync(IActorRef region) =>
        await AwaitAssertAsync(async () => Assert.Equal(0, await LiveCountAsync(region)), Patience, TimeSpan.FromMilliseconds(50));

    private async Task<CustomerProfile?> ProfileAsync(IActorRef region, string id, Instant asOf)
    {
        region.Tell(new GetProfile(id, asOf), TestActor);
        return (await ExpectMsgAsync<ProfileResult>(Patience)).Profile;
    }

    [Fact]
    public async Task Passivated_customers_wake_up_with_the_same_profile_and_keep_recording()
    {
        var region = Region(TimeSpan.FromMilliseconds(300));
        var asOf = Clock.GetCurrentInstant();
        string[] ids = ["ann", "bob", "cat"];
        var before = new Dictionary<string, CustomerProfile?>();
        foreach (var id in ids)
        {
            var result = await RecordAsync(region, id, new CustomerCommands(id, Start).MixedHistory());
            Assert.All(result.Outcomes, o => Assert.IsType<Decision.Accepted>(o));
            before[id] = await ProfileAsync(region, id, asOf);
        }

        await AwaitNoneAwakeAsync(region);

        foreach (var id in ids)
        {
            var after = await ProfileAsync(region, id, asOf);
            Assert.NotNull(after);
            Assert.Equal(before[id], after);
            Assert.True(_incarnations[id] >= 2, $"{id} was never passivated and woken");

            var more = await RecordAsync(region, id, new CustomerCommands(id, Start).View("later", Duration.FromDays(10)));
            Assert.IsType<Decision.Accepted>(Assert.Single(more.Outcomes));
            var grown = await ProfileAsync(region, id, asOf);
            Assert.Equal((after.Events + 1, after.Views + 1), (grown!.Events, grown.Views));
        }
    }

    [Fact]
    public async Task Messages_for_a_customer_that_is_stopping_reach_its_next_incarnation()
    {
        // Idle passivation is an hour away; the test plays the customer's own Passivate request, so the
        // messages below deterministically land between "stop now" and the customer's termination.
        var region = Region(TimeSpan.FromHours(1));
        var c = new CustomerCommands("zoe", Start);
        await RecordAsync(region, c.CustomerId, c.View("v0", Duration.Zero));
        var child = await Sys.ActorSelection(region.Path / c.CustomerId).ResolveOne(Patience);

        region.Tell(new Passivate(StopCustomer.Instance), child);
        for (var n = 1; n <= 5; n++)
            region.Tell(new RecordEvents(c.CustomerId, [c.View($"v{n}", Duration.FromMinutes(n))]), TestActor);

        for (var n = 1; n <= 5; n++)
            Assert.IsType<Decision.Accepted>(Assert.Single((await ExpectMsgAsync<RecordEventsResult>(Patience)).Outcomes));
        region.Tell(new GetCustomerState(c.CustomerId), TestActor);
        var state = await ExpectMsgAsync<CustomerStateResult>(Patience);
        Assert.Equal((6, 6L), (state.State.Views, state.LastSequenceNr));
        Assert.Equal(2, _incarnations[c.CustomerId]);
    }

    [Fact]
    public async Task Messages_sent_while_customers_passivate_are_all_answered_and_recorded()
    {
        // Passivation (10 ms idle) races with traffic: between and within waves, customers go idle, ask to
        // passivate and stop while the next messages for them are already on their way.
        var region = Region(TimeSpan.FromMilliseconds(10));
        const int customers = 12, waves = 4, perWave = 4;
        var ids = Enumerable.Range(0, customers).Select(i => $"rush-{i}").ToArray();

        for (var wave = 0; wave < waves; wave++)
        {
            for (var k = 0; k < perWave; k++)
            {
                foreach (var id in ids)
                {
                    var view = new CustomerCommands(id, Start).View($"w{wave}-{k}", Duration.FromMinutes(wave * perWave + k));
                    region.Tell(new RecordEvents(id, [view]), TestActor);
                }
            }

            for (var n = 0; n < customers * perWave; n++)
            {
                var reply = await ExpectMsgAsync<RecordEventsResult>(Patience);
                Assert.IsType<Decision.Accepted>(Assert.Single(reply.Outcomes));
            }

            // Let every customer passivate before the next wave, so the next wave has to wake them again.
            await AwaitAssertAsync(async () =>
                Assert.Equal(0, await region.Ask<int>(LocalCustomerRegion.GetLiveCount.Instance, Patience)), Patience);
        }

        foreach (var id in ids)
        {
            region.Tell(new GetCustomerState(id), TestActor);
            var state = await ExpectMsgAsync<CustomerStateResult>(Patience);
            Assert.Equal(waves * perWave, state.State.Views);
            Assert.Equal(waves * perWave, state.LastSequenceNr);
        }

        Assert.True(_incarnations.Values.Sum() > customers, "no customer passivated during the traffic; the test proved nothing");
    }

    [Fact]
    public async Task A_query_for_an_unknown_customer_answers_null_and_leaves_no_actor_awake()
    {
        // Idle passivation is an hour away: only the empty-customer rule can put the count back to 0.
        var region = Region(TimeSpan.FromHours(1));

        var profile = await ProfileAsync(region, "nobody", Clock.GetCurrentInstant());
        Assert.Null(profile);
        await AwaitNoneAwakeAsync(region);

        region.Tell(new GetSummary("nobody-else", new LocalDate(2024, 6, 1), SummaryFrequency.Day, 1), TestActor);
        var summary = await ExpectMsgAsync<SummaryResult>(Patience);
        Assert.False(summary.Known);
        Assert.Null(summary.Summary);
        await AwaitNoneAwakeAsync(region);

        Assert.Equal(1, _incarnations["nobody"]);
        Assert.Equal(0L, Journal.CountEvents("customer-nobody"));
    }

    [Fact]
    public async Task Customer_ids_that_are_not_valid_actor_names_each_get_their_own_customer()
    {
        var region = Region(TimeSpan.FromHours(1));
        // "%41" must not collide with "A", nor "a/b c" with anything: the region escapes ids into actor names.
        string[] ids = ["a/b c", "$root", "ü-ñ", "%41", "A", "x#y?z"];

        for (var i = 0; i < ids.Length; i++)
        {
            var c = new CustomerCommands(ids[i], Start);
            var views = Enumerable.Range(0, i + 1).Select(n => (CustomerCommand)c.View($"v{n}", Duration.FromMinutes(n))).ToArray();
            var result = await RecordAsync(region, ids[i], views);
            Assert.All(result.Outcomes, o => Assert.IsType<Decision.Accepted>(o));
        }

        for (var i = 0; i < ids.Length; i++)
        {
            var profile = await ProfileAsync(region, ids[i], Clock.GetCurrentInstant());
            Assert.Equal((ids[i], i + 1), (profile!.CustomerId, profile.Views));
            Assert.Equal(i + 1L, Journal.CountEvents("customer-" + ids[i]));
        }

        Assert.Equal(ids.Length, await LiveCountAsync(region));
    }
}
