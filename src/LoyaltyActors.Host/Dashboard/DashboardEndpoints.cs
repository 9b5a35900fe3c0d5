using System.Collections.Frozen;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace LoyaltyActors.Host.Dashboard;

/// <summary>
/// The operator's dashboard at <c>GET /</c>: plain HTML, CSS and JS embedded in this assembly (no CDN, no
/// build step), drawing from the live API in the browser.
/// </summary>
public static class DashboardEndpoints
{
    private const string Prefix = "wwwroot/";

    private static readonly FrozenDictionary<string, (byte[] Bytes, string ContentType)> Assets = Load();

    public static IEndpointRouteBuilder MapDashboard(this IEndpointRouteBuilder app)
    {
        app.MapGet("/", () => Serve("index.html"))
            .WithTags("Dashboard")
            .WithSummary("Dashboard page")
            .WithDescription("HTML page showing segments, the loyalty-score histogram, tiers, top association rules and live reward notifications, drawn from this API.");
        app.MapGet("/dashboard/{file}", (string file) => Serve(file))
            .WithTags("Dashboard")
            .WithSummary("Dashboard assets")
            .WithDescription("The dashboard's stylesheet and script (dashboard.css, dashboard.js). 404 for any other name.");
        return app;
    }

    private static IResult Serve(string name)
    {
        if (!Assets.TryGetValue(name, out var asset))
            return Results.Problem($"no dashboard asset '{name}'", statusCode: 404, title: "Not found");
        return new AssetResult(asset.Bytes, asset.ContentType);
    }

    private static FrozenDictionary<string, (byte[], string)> Load()
    {
        var assembly = typeof(DashboardEndpoints).Assembly;
        var assets = new Dictionary<string, (byte[], string)>(StringComparer.Ordinal);
        foreach (var resource in assembly.GetManifestResourceNames().Where(n => n.StartsWith(Prefix, StringComparison.Ordinal)))
        {
            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            var name = resource[Prefix.Length..];
            assets[name] = (copy.ToArray(), ContentTypeOf(name));
        }

        if (!assets.ContainsKey("index.html"))
            throw new InvalidOperationException("the dashboard's index.html is not embedded in the host assembly");
        return assets.ToFrozenDictionary(StringComparer.Ordinal);
    }

    private static string ContentTypeOf(string name) => Path.GetExtension(name) switch
    {
        ".html" => "text/html; charset=utf-8",
        ".css" => "text/css; charset=utf-8",
        ".js" => "text/javascript; charset=utf-8",
        ".svg" => "image/svg+xml",
        _ => "application/octet-stream",
    };

    /// <summary>The asset's bytes, revalidated on every load (a new server version must show its own page).</summary>
    private sealed class AssetResult(byte[] bytes, string contentType) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            var response = httpContext.Response;
            response.ContentType = contentType;
            response.Headers.CacheControl = "no-cache";
            response.Headers.XContentTypeOptions = "nosniff";
            response.ContentLength = bytes.Length;
            return response.Body.WriteAsync(bytes).AsTask();
        }
    }
}
