using LoyaltyActors.Host.Operations;
using Xunit;

namespace LoyaltyActors.Host.Tests;

/// <summary>Actor names of customers are customer ids: log lines show customer actors' paths masked.</summary>
public sealed class LoyaltyLoggingTests
{
    [Theory]
    [InlineData("akka://loyalty/user/customers/C-1001", "akka://loyalty/user/customers/*")]
    [InlineData("akka://loyalty/user/customers/basket-17/child", "akka://loyalty/user/customers/*/child")]
    [InlineData("akka://loyalty/user/customers/C%2F1#12345", "akka://loyalty/user/customers/*#12345")]
    [InlineData("akka://loyalty/user/aggregators", "akka://loyalty/user/aggregators")]
    public void Customer_actor_paths_are_masked_and_others_kept(string path, string logged) =>
        Assert.Equal(logged, LoyaltyLogging.MaskCustomer(path));
}
