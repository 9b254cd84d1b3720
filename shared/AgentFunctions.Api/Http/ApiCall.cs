using AgentFunctions.Access;
using AgentFunctions.Common;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AgentFunctions.Api.Http;

/// <summary>
/// The frame of every API handler: authenticate the key, demand a permission, run the body, map failures to
/// problem+json. Both hosts call handlers that use this, so auth and errors behave the same in each.
/// </summary>
public static class ApiCall
{
    /// <summary>Runs <paramref name="body"/> for a tenant caller that holds <paramref name="permission"/>.</summary>
    public static Task<IResult> RunAsync(HttpContext http, Permission permission, Func<Caller, Task<IResult>> body) =>
        GuardAsync(http, async () =>
        {
            RouteAccess.Verify(http, RouteCaller.Tenant, permission);
            var caller = await AuthenticateAsync(http).ConfigureAwait(false);
            if (caller.IsPlatform)
            {
                throw new ForbiddenException("The platform key manages tenants only; use a tenant key for this route.");
            }
            caller.Demand(permission);
            return await body(caller).ConfigureAwait(false);
        });

    /// <summary>Runs <paramref name="body"/> for the platform key only (tenant management).</summary>
    public static Task<IResult> RunPlatformAsync(HttpContext http, Func<Caller, Task<IResult>> body) =>
        GuardAsync(http, async () =>
        {
            RouteAccess.Verify(http, RouteCaller.Platform, Permission.None);
            var caller = await AuthenticateAsync(http).ConfigureAwait(false);
            if (!caller.IsPlatform)
            {
                throw new ForbiddenException("Only the platform key may manage tenants.");
            }
            return await body(caller).ConfigureAwait(false);
        });

    /// <summary>
    /// Runs <paramref name="body"/> for the platform key, or for a tenant key holding <paramref name="permission"/>; the
    /// body receives the tenant the route names, already checked: a tenant key naming another tenant gets 404.
    /// </summary>
    public static Task<IResult> RunPlatformOrTenantAsync(HttpContext http, string tenantId, Permission permission, Func<Caller, TenantId, Task<IResult>> body) =>
        GuardAsync(http, async () =>
        {
            RouteAccess.Verify(http, RouteCaller.PlatformOrTenant, permission);
            var caller = await AuthenticateAsync(http).ConfigureAwait(false);
            if (!caller.IsPlatform) caller.Demand(permission);
            if (!TenantId.TryParse(tenantId, out var tenant) || tenant == TenantId.Platform || (!caller.IsPlatform && caller.Tenant != tenant))
            {
                throw new NotFoundException("Tenant");
            }
            return await body(caller, tenant).ConfigureAwait(false);
        });

    /// <summary>Runs <paramref name="body"/> without a key (webhooks authenticate by signature, health by nothing).</summary>
    public static Task<IResult> RunAnonymousAsync(HttpContext http, Func<Task<IResult>> body) =>
        GuardAsync(http, () =>
        {
            RouteAccess.Verify(http, RouteCaller.Anonymous, Permission.None);
            return body();
        });

    /// <summary>Runs <paramref name="body"/> for any valid key, platform or tenant; the body decides what each may see.</summary>
    public static Task<IResult> RunAnyKeyAsync(HttpContext http, Func<Caller, Task<IResult>> body) =>
        GuardAsync(http, async () =>
        {
            RouteAccess.Verify(http, RouteCaller.AnyKey, Permission.None);
            return await body(await AuthenticateAsync(http).ConfigureAwait(false)).ConfigureAwait(false);
        });

    private static async Task<IResult> GuardAsync(HttpContext http, Func<Task<IResult>> body)
    {
        using var correlation = Hosting.RequestCorrelation.BeginScope(http);
        try
        {
            return await body().ConfigureAwait(false);
        }
        catch (Exception ex) when (Problems.FromException(ex) is { } problem)
        {
            return problem;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            Log(http, ex);
            return Problems.Status(StatusCodes.Status500InternalServerError, "Internal error", "The request failed; it was logged with its trace id.",
                new Dictionary<string, object?> { ["trace_id"] = http.TraceIdentifier });
        }
    }

    public static async ValueTask<Caller> AuthenticateAsync(HttpContext http)
    {
        var presented = PresentedKey(http.Request);
        if (presented is null)
        {
            throw new UnauthorizedException("Send an API key as 'Authorization: Bearer <key>' or 'x-api-key: <key>'.");
        }
        var authenticator = http.RequestServices.GetRequiredService<IAuthenticator>();
        var caller = await authenticator.AuthenticateAsync(presented, http.RequestAborted).ConfigureAwait(false)
            ?? throw new UnauthorizedException("The API key is unknown, revoked or expired.");
        // The plan's request rates, per key and per tenant: a 429 with Retry-After before any work.
        if (http.RequestServices.GetService<AgentFunctions.Usage.RequestRateLimiter>() is { } rates)
        {
            await rates.AdmitAsync(caller, http.RequestAborted).ConfigureAwait(false);
        }
        return caller;
    }

    private static string? PresentedKey(HttpRequest request)
    {
        var authorization = request.Headers.Authorization.ToString();
        if (authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return authorization["Bearer ".Length..].Trim();
        }
        var header = request.Headers["x-api-key"].ToString();
        return string.IsNullOrWhiteSpace(header) ? null : header.Trim();
    }

    private static void Log(HttpContext http, Exception ex)
    {
        var logger = http.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("AgentFunctions.Api");
        logger.LogError(ex, "Request {Method} {Path} failed with {ExceptionType} (trace {TraceId})",
            http.Request.Method, http.Request.Path.Value, ex.GetType().Name, http.TraceIdentifier);
    }
}
