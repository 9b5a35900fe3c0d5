using System.Reflection;
using System.Runtime.CompilerServices;

namespace LoyaltyActors.Domain;

/// <summary>
/// Compiles hot methods before their first call. A method marked <see cref="MethodImplOptions.AggressiveOptimization"/>
/// is compiled fully optimised (not tiered) at its first call, on the calling thread: 1–5 ms each for the large ones,
/// ~100 ms for the bulk replay's reader, decider and writer together, which a short replay otherwise pays on its
/// critical path as it starts. Compiled here, on a thread with nothing else to do while the process is still starting,
/// the same code is ready when it is first called (a call that comes while its method compiles waits for that compile).
/// </summary>
public static class Precompiler
{
    /// <summary>
    /// Compiles every non-generic method marked <see cref="MethodImplOptions.AggressiveOptimization"/> of
    /// <paramref name="assemblies"/>, in their order, on the calling thread; returns how many it compiled. A method the
    /// runtime refuses to compile ahead is left to its first call.
    /// </summary>
    public static int AggressivelyOptimized(params Assembly[] assemblies)
    {
        const BindingFlags all = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
        var compiled = 0;
        foreach (var assembly in assemblies)
        foreach (var type in assembly.GetTypes())
        {
            if (type.ContainsGenericParameters) continue;
            foreach (var method in type.GetMethods(all).Cast<MethodBase>().Concat(type.GetConstructors(all)))
            {
                if ((method.MethodImplementationFlags & MethodImplAttributes.AggressiveOptimization) == 0 || method.ContainsGenericParameters)
                    continue;
                try
                {
                    RuntimeHelpers.PrepareMethod(method.MethodHandle);
                    compiled++;
                }
                catch (Exception)
                {
                    // Compiled at its first call instead.
                }
            }
        }

        return compiled;
    }
}
