using LoyaltyActors.Domain.Wire;

namespace LoyaltyActors.Ingress;

/// <summary>Limits of the HTTP edge (<c>Loyalty:Ingress:*</c>).</summary>
/// <param name="MaxBodyBytes">Larger bodies are answered 413.</param>
/// <param name="MaxEventsPerRequest">More events in one body are answered 413.</param>
/// <param name="WriteTimeout">How long to wait for the journal before answering 503.</param>
public sealed record IngressOptions(WireLimits Wire, int MaxBodyBytes, int MaxEventsPerRequest, TimeSpan WriteTimeout)
{
    public static IngressOptions Default { get; } = new(WireLimits.Default, 8 * 1024 * 1024, 10_000, TimeSpan.FromSeconds(10));
}
