using System.Runtime.CompilerServices;
using LoyaltyActors.Domain;
using Xunit;

namespace LoyaltyActors.Domain.Tests;

public sealed class PrecompilerTests
{
    [Fact]
    public void Compiles_each_aggressively_optimised_method_of_an_assembly_and_only_those()
    {
        // This assembly's methods marked so: the two below (the generic one cannot be compiled without its type argument).
        var before = System.Runtime.JitInfo.GetCompiledMethodCount(currentThread: true);
        var compiled = Precompiler.AggressivelyOptimized(typeof(PrecompilerTests).Assembly);
        var jitted = System.Runtime.JitInfo.GetCompiledMethodCount(currentThread: true) - before;

        Assert.Equal(2, compiled);
        Assert.True(jitted >= 2, $"{jitted} methods were compiled on this thread");
        // Compiled already: a second pass compiles nothing new.
        var again = System.Runtime.JitInfo.GetCompiledMethodCount(currentThread: true);
        Assert.Equal(2, Precompiler.AggressivelyOptimized(typeof(PrecompilerTests).Assembly));
        Assert.Equal(again, System.Runtime.JitInfo.GetCompiledMethodCount(currentThread: true));
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int Hot(int x) => x * 3 + 1;

    private sealed class Nested
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public int AlsoHot(int x) => x ^ 7;

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static T Generic<T>(T x) => x;
    }
}
