using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace LoyaltyActors.Ingress.Security;

/// <summary>
/// Which role an HTTP request needs when keys are configured (README, Security): <c>POST /v1/events</c> needs
/// <c>ingest</c> (or <c>admin</c>); every other <c>/v1/</c> endpoint needs <c>admin</c>; the Shopify webhook is
/// authenticated by its HMAC instead; <c>/</c>, <c>/health</c>, <c>/metrics</c>, <c>/openapi/v1.json</c> and the
/// dashboard's static files (everything outside <c>/v1/</c>) are public.
/// </summary>
public static class ApiKeyPolicy
{
    public static ApiRole? Required(string method, PathString path)
    {
        if (!path.StartsWithSegments("/v1", StringComparison.OrdinalIgnoreCase)) return null;
        if (path.StartsWithSegments("/v1/webhooks/shopify", StringComparison.OrdinalIgnoreCase)) return null;
        if (HttpMethods.IsPost(method) && path.Equals("/v1/events", StringComparison.OrdinalIgnoreCase)) return ApiRole.Ingest;
        return ApiRole.Admin;
    }

    /// <summary>Answers 401 (no or unknown key) or 403 (role too weak) before the endpoint runs; no-op without keys.</summary>
    public static IApplicationBuilder UseApiKeys(this IApplicationBuilder app, ApiKeyRing keys)
    {
        if (keys.IsEmpty) return app;
        return app.Use(async (context, next) =>
        {
            if (Required(context.Request.Method, context.Request.Path) is not { } required)
            {
                await next(context);
                return;
            }

            var role = keys.Find(BearerToken(context.Request));
            if (role is null)
            {
                IngressMetrics.Refused(IngressMetrics.Http, IngressMetrics.Reasons.Unauthenticated);
                context.Response.Headers.WWWAuthenticate = "Bearer";
                await Results.Problem("send a configured API key (Loyalty:Security:ApiKeys) as 'Authorization: Bearer KEY'",
                    statusCode: 401, title: "Unauthorized").ExecuteAsync(context);
                return;
            }

            if (!ApiKeyRing.Allows(role.Value, required))
            {
                await Results.Problem($"this endpoint needs a key with role '{ApiKeyRing.Name(required)}'; this key has role '{ApiKeyRing.Name(role.Value)}'",
                    statusCode: 403, title: "Forbidden").ExecuteAsync(context);
                return;
            }

            await next(context);
        });
    }

    private static string? BearerToken(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        const string scheme = "Bearer ";
        return header.StartsWith(scheme, StringComparison.OrdinalIgnoreCase) ? header[scheme.Length..].Trim() : null;
    }
}
