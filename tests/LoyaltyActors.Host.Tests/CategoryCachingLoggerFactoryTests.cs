using LoyaltyActors.Host.Operations;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Serilog;
using Serilog.Core;
using Serilog.Events;
using Xunit;

namespace LoyaltyActors.Host.Tests;

/// <summary>One logger per category over Serilog's factory (which creates one per call), logging exactly as before.</summary>
public sealed class CategoryCachingLoggerFactoryTests
{
    private sealed class Collected : ILogEventSink
    {
        public List<LogEvent> Events { get; } = [];

        public void Emit(LogEvent logEvent)
        {
            lock (Events) Events.Add(logEvent);
        }
    }

    private static (ServiceProvider Provider, Collected Sink) Services()
    {
        var sink = new Collected();
        var services = new ServiceCollection();
        services.AddSerilog((_, log) => log.MinimumLevel.Information().WriteTo.Sink(sink));
        CategoryCachingLoggerFactory.Decorate(services);
        return (services.BuildServiceProvider(), sink);
    }

    [Fact]
    public void A_category_gets_the_same_logger_every_time_and_it_logs_under_that_category()
    {
        var (provider, sink) = Services();
        using (provider)
        {
            var factory = provider.GetRequiredService<ILoggerFactory>();
            Assert.IsType<CategoryCachingLoggerFactory>(factory);

            var first = factory.CreateLogger("Loyalty.Tests.A");
            Assert.Same(first, factory.CreateLogger("Loyalty.Tests.A"));
            Assert.NotSame(first, factory.CreateLogger("Loyalty.Tests.B"));

            first.LogInformation("from {Who}", "a");
            factory.CreateLogger("Loyalty.Tests.B").LogInformation("from {Who}", "b");
            first.LogDebug("below the minimum level");
        }

        Assert.Equal(
            ["\"Loyalty.Tests.A\": from \"a\"", "\"Loyalty.Tests.B\": from \"b\""],
            sink.Events.Select(e => $"{e.Properties["SourceContext"]}: {e.RenderMessage()}"));
    }

    [Fact]
    public void Disposing_the_services_disposes_the_wrapped_factory()
    {
        var inner = new CountingFactory();
        var services = new ServiceCollection();
        services.AddSingleton<ILoggerFactory>(_ => inner);
        CategoryCachingLoggerFactory.Decorate(services);
        using (var provider = services.BuildServiceProvider())
            provider.GetRequiredService<ILoggerFactory>().CreateLogger("x");

        Assert.Equal(1, inner.Created);
        Assert.True(inner.Disposed);
    }

    private sealed class CountingFactory : ILoggerFactory
    {
        public int Created { get; private set; }

        public bool Disposed { get; private set; }

        public Microsoft.Extensions.Logging.ILogger CreateLogger(string categoryName)
        {
            Created++;
            return Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;
        }

        public void AddProvider(ILoggerProvider provider)
        {
        }

        public void Dispose() => Disposed = true;
    }
}
