using LoyaltyActors.Domain.Customers;
using NodaTime;
using Xunit;

namespace LoyaltyActors.Domain.Tests.Support;

/// <summary>
/// Given/When helpers over the real decide-then-evolve loop: a command is decided against the state and,
/// when accepted, its event is folded in with <see cref="CustomerState.Apply"/> — exactly what the actor does.
/// </summary>
internal static class CustomerScenario
{
    public const string CustomerId = "C-1001";

    public static readonly Instant T0 = Instant.FromUtc(2026, 11, 20, 10, 15);

    public static RecordPurchase Purchase(string eventId, string orderId, Instant at, params PurchaseLineInput[] lines) =>
        new(eventId, CustomerId, at, orderId, "pos", lines);

    public static RecordReturn Return(string eventId, string orderId, Instant at, params ReturnLineInput[] lines) =>
        new(eventId, CustomerId, at, orderId, "pos", lines);

    public static RedeemPoints Redeem(string eventId, long points, Instant at) =>
        new(eventId, CustomerId, at, points, "voucher");

    public static PurchaseLineInput Line(string sku, string category, int qty, decimal unitPrice) => new(sku, category, qty, unitPrice);

    public static ReturnLineInput Back(string sku, int qty) => new(sku, qty);

    /// <summary>One turn of the actor's loop: the decision, and the state after folding its event if any.</summary>
    public static (CustomerState State, Decision Decision) Handle(this CustomerState state, CustomerCommand command, PointsPolicy policy) =>
        state.Handle(command, LoyaltyProgram.PointsOnly(policy));

    /// <summary>One turn of the actor's loop under a whole program: every event of the decision is folded in.</summary>
    public static (CustomerState State, Decision Decision) Handle(this CustomerState state, CustomerCommand command, LoyaltyProgram program)
    {
        var decision = CustomerDecider.Decide(state, command, program);
        return decision is Decision.Accepted accepted ? (state.ApplyAll(accepted.Events), decision) : (state, decision);
    }

    /// <summary>Decides <paramref name="command"/>, asserts it was accepted and returns the folded state and the event.</summary>
    public static (CustomerState State, TEvent Event) Accept<TEvent>(this CustomerState state, CustomerCommand command, PointsPolicy policy)
        where TEvent : CustomerEvent
    {
        var decision = CustomerDecider.Decide(state, command, policy);
        var accepted = Assert.IsType<Decision.Accepted>(decision);
        var evt = Assert.IsType<TEvent>(accepted.Event);
        return (state.Apply(evt), evt);
    }

    public static CustomerState Accept(this CustomerState state, CustomerCommand command, PointsPolicy policy) =>
        state.Accept(command, LoyaltyProgram.PointsOnly(policy));

    public static CustomerState Accept(this CustomerState state, CustomerCommand command, LoyaltyProgram program)
    {
        var decision = CustomerDecider.Decide(state, command, program);
        var accepted = Assert.IsType<Decision.Accepted>(decision);
        return state.ApplyAll(accepted.Events);
    }
}
