using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace LoyaltyActors.Host.Operations;

/// <summary>
/// The registered <see cref="ILoggerFactory"/> with one logger per category, as Microsoft's own factory keeps them.
/// </summary>
/// <remarks>
/// Serilog's factory creates a new logger on every call (a <c>ForContext</c> logger with its level overrides looked up,
/// and a cache of event-id properties of its own), and ASP.NET Core's results ask for their logger on every request
/// (<c>Results.Json</c>: <c>CreateLogger("Microsoft.AspNetCore.Http.Result.JsonResult")</c>). A logger is thread-safe and
/// depends on its category only, so one per category serves every request.
/// </remarks>
public sealed class CategoryCachingLoggerFactory(ILoggerFactory inner) : ILoggerFactory
{
    private readonly ConcurrentDictionary<string, ILogger> _loggers = new(StringComparer.Ordinal);

    public ILogger CreateLogger(string categoryName) =>
        _loggers.TryGetValue(categoryName, out var logger) ? logger : _loggers.GetOrAdd(categoryName, inner.CreateLogger);

    public void AddProvider(ILoggerProvider provider) => inner.AddProvider(provider);

    /// <summary>Disposes the factory it wraps (Serilog's flushes its sinks then).</summary>
    public void Dispose() => inner.Dispose();

    /// <summary>Wraps the <see cref="ILoggerFactory"/> registered last in <paramref name="services"/>.</summary>
    public static IServiceCollection Decorate(IServiceCollection services)
    {
        var registered = services.LastOrDefault(d => d.ServiceType == typeof(ILoggerFactory) && !d.IsKeyedService)
                         ?? throw new InvalidOperationException("no ILoggerFactory is registered to wrap");
        if (registered.Lifetime != ServiceLifetime.Singleton)
            throw new InvalidOperationException($"the ILoggerFactory is registered as {registered.Lifetime}, not as a singleton");
        services.Remove(registered);
        services.AddSingleton<ILoggerFactory>(sp => new CategoryCachingLoggerFactory(registered switch
        {
            { ImplementationInstance: ILoggerFactory instance } => instance,
            { ImplementationFactory: { } factory } => (ILoggerFactory)factory(sp),
            { ImplementationType: { } type } => (ILoggerFactory)ActivatorUtilities.CreateInstance(sp, type),
            _ => throw new InvalidOperationException("the ILoggerFactory registration names no implementation"),
        }));
        return services;
    }
}
