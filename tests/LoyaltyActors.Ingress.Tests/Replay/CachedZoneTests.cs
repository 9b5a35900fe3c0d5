using LoyaltyActors.Ingress.Replay;
using NodaTime;
using NodaTime.TimeZones;
using Xunit;

namespace LoyaltyActors.Ingress.Tests.Replay;

/// <summary><see cref="CachedZone"/> against the time-zone database's lenient resolution, across many transitions.</summary>
public sealed class CachedZoneTests
{
    [Theory]
    [InlineData("Europe/London", 1)]
    [InlineData("Europe/London", 2)]
    [InlineData("America/New_York", 3)]
    [InlineData("Australia/Lord_Howe", 4)] // half-hour daylight saving
    [InlineData("Etc/UTC", 5)]
    public void Every_local_time_resolves_as_the_zone_resolves_it_leniently(string zoneId, int seed)
    {
        var zone = DateTimeZoneProviders.Tzdb[zoneId];
        var cached = new CachedZone(zone);
        var random = new Random(seed);
        var local = new LocalDateTime(2009, 12, 25, 0, 0);
        var end = new LocalDateTime(2013, 1, 10, 0, 0);
        var checkedTimes = 0;
        while (local < end)
        {
            Assert.Equal(zone.ResolveLocal(local, Resolvers.LenientResolver).ToInstant(), cached.Resolve(local));
            checkedTimes++;
            // Mostly forward by minutes to hours (a day's invoices), sometimes back a few days (a late file).
            local = random.Next(50) == 0 ? local.PlusDays(-random.Next(1, 5)) : local.PlusMinutes(random.Next(1, 400));
        }

        // The times in a spring gap and an autumn overlap, each straight after a time far from them.
        foreach (var transition in zone.GetZoneIntervals(Instant.FromUtc(2010, 1, 1, 0, 0), Instant.FromUtc(2013, 1, 1, 0, 0)).Skip(1))
        {
            var at = transition.IsoLocalStart;
            for (var m = -150; m <= 150; m += 15)
            {
                cached.Resolve(at.PlusDays(-20));
                Assert.Equal(zone.ResolveLocal(at.PlusMinutes(m), Resolvers.LenientResolver).ToInstant(), cached.Resolve(at.PlusMinutes(m)));
                cached.Resolve(at.PlusDays(20));
                Assert.Equal(zone.ResolveLocal(at.PlusMinutes(m), Resolvers.LenientResolver).ToInstant(), cached.Resolve(at.PlusMinutes(m)));
            }
        }

        Assert.True(checkedTimes > 5_000);
    }
}
