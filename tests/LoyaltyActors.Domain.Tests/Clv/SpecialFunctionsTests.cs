using LoyaltyActors.Domain.Clv;
using Xunit;

namespace LoyaltyActors.Domain.Tests.Clv;

public sealed class SpecialFunctionsTests
{
    [Theory]
    [InlineData(1.0, 0.0)]
    [InlineData(5.0, 3.1780538303479458)] // ln 24
    [InlineData(0.5, 0.57236494292470008)] // ln √π
    [InlineData(0.1, 2.2527126517342059)] // ln Γ(0.1) = ln 9.51350769866873
    [InlineData(100.0, 359.13420536957540)] // ln 99!
    public void LogGamma_matches_known_values(double x, double expected) =>
        Assert.Equal(expected, SpecialFunctions.LogGamma(x), 1e-11);

    [Theory]
    [InlineData(0.1)]
    [InlineData(0.5)]
    [InlineData(0.95)]
    public void Hypergeometric_matches_closed_forms(double z)
    {
        // ₂F₁(1, 1; 2; z) = −ln(1 − z)/z and ₂F₁(a, b; b; z) = (1 − z)^−a
        Assert.Equal(-Math.Log(1 - z) / z, SpecialFunctions.Hypergeometric2F1(1, 1, 2, z), 1e-10);
        Assert.Equal(Math.Pow(1 - z, -2.7), SpecialFunctions.Hypergeometric2F1(2.7, 3.3, 3.3, z), 1e-8);
    }

    [Fact]
    public void NelderMead_finds_the_minimum_of_the_Rosenbrock_valley()
    {
        var min = NelderMead.Minimise(x => 100 * Math.Pow(x[1] - x[0] * x[0], 2) + Math.Pow(1 - x[0], 2), [-1.2, 1]);
        Assert.Equal(1.0, min.Point[0], 1e-5);
        Assert.Equal(1.0, min.Point[1], 1e-5);
    }
}
