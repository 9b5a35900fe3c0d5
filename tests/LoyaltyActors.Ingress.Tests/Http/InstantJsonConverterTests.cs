using System.Text.Json;
using LoyaltyActors.Ingress.Http;
using NodaTime;
using NodaTime.Text;
using Xunit;

namespace LoyaltyActors.Ingress.Tests.Http;

/// <summary>Instants are written exactly as NodaTime's extended ISO pattern writes them, and read back unchanged.</summary>
public sealed class InstantJsonConverterTests
{
    public static TheoryData<string> Edges() =>
    [
        "0001-01-01T00:00:00Z",
        "1970-01-01T00:00:00Z",
        "1997-01-01T00:00:00.000000001Z",
        "2026-11-23T09:00:50.137146Z",
        "2026-11-23T09:00:50.1Z",
        "2026-02-28T23:59:59.999999999Z",
        "2024-02-29T12:34:56.000001Z",
        "9999-12-31T23:59:59.999999999Z",
    ];

    [Theory]
    [MemberData(nameof(Edges))]
    public void Edge_instants_are_written_as_the_pattern_writes_them(string iso)
    {
        var instant = InstantPattern.ExtendedIso.Parse(iso).GetValueOrThrow();

        Assert.Equal(Expected(instant), JsonSerializer.Serialize(instant, LoyaltyJson.Options));
        Assert.Equal(instant, JsonSerializer.Deserialize<Instant>(JsonSerializer.Serialize(instant, LoyaltyJson.Options), LoyaltyJson.Options));
    }

    [Fact]
    public void Any_instant_is_written_as_the_pattern_writes_it()
    {
        var random = new Random(20261123);
        for (var i = 0; i < 20_000; i++)
        {
            // Whole seconds, milliseconds, ticks and nanoseconds, over the whole range the pattern writes.
            var seconds = random.NextInt64(Instant.MinValue.ToUnixTimeSeconds(), Instant.MaxValue.ToUnixTimeSeconds());
            var nanos = (i % 4) switch
            {
                0 => 0,
                1 => random.Next(1000) * 1_000_000L,
                2 => random.Next(10_000_000) * 100L,
                _ => random.Next(1_000_000_000),
            };
            var instant = Instant.FromUnixTimeSeconds(seconds).PlusNanoseconds(nanos);

            Assert.Equal(Expected(instant), JsonSerializer.Serialize(instant, LoyaltyJson.Options));
        }
    }

    [Fact]
    public void Instants_before_year_one_are_written_by_the_pattern()
    {
        var instant = Instant.FromUtc(-5, 3, 1, 10, 15);

        Assert.Equal(Expected(instant), JsonSerializer.Serialize(instant, LoyaltyJson.Options));
    }

    private static string Expected(Instant instant) => "\"" + InstantPattern.ExtendedIso.Format(instant) + "\"";
}
