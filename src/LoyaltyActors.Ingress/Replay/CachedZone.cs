using System.Runtime.CompilerServices;
using NodaTime;
using NodaTime.TimeZones;

namespace LoyaltyActors.Ingress.Replay;

/// <summary>
/// Local date-times of one time zone resolved leniently (<see cref="Resolvers.LenientResolver"/>: a time in a spring
/// gap moves forward, an autumn-repeated one takes the earlier), remembering the zone interval of the last one: a time
/// more than a day inside that interval's local span maps to it alone, so its instant is the local time less the
/// interval's offset. Input in time order (a day's invoices) then asks the time-zone database once per interval.
/// </summary>
internal sealed class CachedZone(DateTimeZone zone)
{
    private Offset _offset;
    private LocalDateTime _safeFrom = LocalDateTime.MaxIsoValue;
    private LocalDateTime _safeTo = LocalDateTime.MinIsoValue;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public Instant Resolve(LocalDateTime local)
    {
        if (local >= _safeFrom && local < _safeTo) return local.WithOffset(_offset).ToInstant();
        var instant = zone.ResolveLocal(local, Resolvers.LenientResolver).ToInstant();
        var interval = zone.GetZoneInterval(instant);
        if (interval.HasStart && interval.HasEnd)
        {
            // Neighbouring intervals reach into this one's local span by their offsets' difference (hours) at most.
            _offset = interval.WallOffset;
            _safeFrom = interval.IsoLocalStart.PlusDays(1);
            _safeTo = interval.IsoLocalEnd.PlusDays(-1);
        }

        return instant;
    }
}
