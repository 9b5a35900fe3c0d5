using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.OpenApi;

namespace LoyaltyActors.Host.Operations;

/// <summary>
/// Adds to the OpenAPI document the endpoints the generator leaves out: plain request delegates
/// (<c>/metrics</c>) and the document's own route (<c>/openapi/{documentName}.json</c>), so every routed
/// endpoint of the app is described, with the summary, description and tags its mapping gave it; and fills
/// in the summaries of <see cref="EndpointDocs"/> for endpoints mapped without one.
/// </summary>
public sealed class OpenApiEveryEndpoint : IOpenApiDocumentTransformer
{
    public Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        document.Paths ??= new OpenApiPaths();
        var sources = context.ApplicationServices.GetServices<EndpointDataSource>();
        foreach (var endpoint in sources.SelectMany(s => s.Endpoints).OfType<RouteEndpoint>())
        {
            // Every route, even one excluded from the generator (MapOpenApi's own): "every endpoint" means every.
            // A route without a method (MapMetrics answers any) is described by the method scrapers use.
            var methods = endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods is { Count: > 0 } m ? m : ["GET"];
            var path = PathOf(endpoint);
            if (!document.Paths.TryGetValue(path, out var item))
            {
                item = new OpenApiPathItem();
                document.Paths[path] = item;
            }

            if (item is not OpenApiPathItem pathItem) continue;
            foreach (var method in methods)
            {
                var verb = new HttpMethod(method);
                pathItem.Operations ??= new Dictionary<HttpMethod, OpenApiOperation>();
                if (pathItem.Operations.TryGetValue(verb, out var described))
                {
                    Document(described, method, path);
                    continue;
                }

                var operation = new OpenApiOperation
                {
                    Summary = endpoint.Metadata.GetMetadata<IEndpointSummaryMetadata>()?.Summary,
                    Description = endpoint.Metadata.GetMetadata<IEndpointDescriptionMetadata>()?.Description,
                    Responses = new OpenApiResponses { ["200"] = new OpenApiResponse { Description = "OK" } },
                };
                foreach (var segment in endpoint.RoutePattern.Parameters)
                {
                    operation.Parameters ??= [];
                    operation.Parameters.Add(new OpenApiParameter { Name = segment.Name, In = ParameterLocation.Path, Required = true, Schema = new OpenApiSchema { Type = JsonSchemaType.String } });
                }

                var tags = endpoint.Metadata.GetMetadata<ITagsMetadata>()?.Tags;
                if (tags is { Count: > 0 })
                {
                    operation.Tags = new HashSet<OpenApiTagReference>();
                    foreach (var tag in tags) operation.Tags.Add(new OpenApiTagReference(tag, document));
                }

                Document(operation, method, path);
                pathItem.Operations[verb] = operation;
            }
        }

        return Task.CompletedTask;
    }

    private static void Document(OpenApiOperation operation, string method, string path)
    {
        if (!EndpointDocs.ByRoute.TryGetValue(method + " " + path, out var doc)) return;
        if (string.IsNullOrEmpty(operation.Summary)) operation.Summary = doc.Summary;
        if (string.IsNullOrEmpty(operation.Description)) operation.Description = doc.Description;
    }

    /// <summary>The OpenAPI path of a route: <c>/v1/customers/{id}</c> (constraints and defaults dropped).</summary>
    public static string PathOf(RouteEndpoint endpoint) =>
        "/" + string.Join("/", endpoint.RoutePattern.PathSegments.Select(s => string.Concat(s.Parts.Select(p => p switch
        {
            Microsoft.AspNetCore.Routing.Patterns.RoutePatternLiteralPart l => l.Content,
            Microsoft.AspNetCore.Routing.Patterns.RoutePatternParameterPart r => "{" + r.Name + "}",
            Microsoft.AspNetCore.Routing.Patterns.RoutePatternSeparatorPart sep => sep.Content,
            _ => "",
        }))));
}
