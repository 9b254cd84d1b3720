using AgentFunctions.Access;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace AgentFunctions.Api.Http;

/// <summary>Who may call a route at all.</summary>
public enum RouteCaller
{
    /// <summary>No key (health; webhooks authenticate by signature).</summary>
    Anonymous,

    /// <summary>The platform key only (tenant management).</summary>
    Platform,

    /// <summary>Any valid key, platform or tenant; the handler narrows what it shows (a tenant key sees its own tenant).</summary>
    AnyKey,

    /// <summary>A tenant key whose effective role grants <see cref="RouteAccess.Permission"/>.</summary>
    Tenant,

    /// <summary>
    /// The platform key, or a tenant key whose role grants <see cref="RouteAccess.Permission"/> acting on its own tenant
    /// (another tenant's id is 404): tenant data routes (export, retention).
    /// </summary>
    PlatformOrTenant,
}

/// <summary>
/// Endpoint metadata: the access a route requires, declared where the route is mapped. The handler's frame
/// (<see cref="ApiCall"/>) checks that what it enforces is this declaration, and the authorization matrix test reads it
/// from the route table for every route, so a route without one fails the suite.
/// </summary>
/// <param name="Caller">Who may call the route.</param>
/// <param name="Permission">What the frame demands before the handler runs.</param>
/// <param name="CheckedInService">Demanded by the service instead of the frame, so that its refusal is audited (credential reads).</param>
/// <param name="ForOthers">Needed in addition when the route acts on another user's user record or key; one's own needs only <paramref name="Permission"/>.</param>
public sealed record RouteAccess(RouteCaller Caller, Permission Permission = Permission.None, Permission CheckedInService = Permission.None, Permission ForOthers = Permission.None)
{
    /// <summary>
    /// Throws when the route's declaration differs from what its handler enforces. Endpoints that carry no declaration
    /// (the Functions host routes through its own table) are not checked here; the local host's table is checked by the
    /// authorization matrix test.
    /// </summary>
    internal static void Verify(HttpContext http, RouteCaller caller, Permission permission)
    {
        var declared = http.GetEndpoint()?.Metadata.GetMetadata<RouteAccess>();
        if (declared is not null && (declared.Caller != caller || declared.Permission != permission))
        {
            throw new InvalidOperationException(
                $"Route '{http.GetEndpoint()!.DisplayName}' declares {declared.Caller}/{declared.Permission} but its handler enforces {caller}/{permission}.");
        }
    }
}

public static class RouteAccessConventions
{
    public static TBuilder Anonymous<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder => builder.WithMetadata(new RouteAccess(RouteCaller.Anonymous));

    public static TBuilder Platform<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder => builder.WithMetadata(new RouteAccess(RouteCaller.Platform));

    public static TBuilder AnyKey<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder => builder.WithMetadata(new RouteAccess(RouteCaller.AnyKey));

    /// <summary>The platform key, or a tenant key holding <paramref name="permission"/> on its own tenant.</summary>
    public static TBuilder PlatformOrPermission<TBuilder>(this TBuilder builder, Permission permission)
        where TBuilder : IEndpointConventionBuilder => builder.WithMetadata(new RouteAccess(RouteCaller.PlatformOrTenant, permission));

    /// <summary>A tenant route; <see cref="Permission.None"/> means any tenant key (the handler scopes it to the caller's own objects).</summary>
    public static TBuilder RequiresPermission<TBuilder>(this TBuilder builder, Permission permission, Permission checkedInService = Permission.None, Permission forOthers = Permission.None)
        where TBuilder : IEndpointConventionBuilder => builder.WithMetadata(new RouteAccess(RouteCaller.Tenant, permission, checkedInService, forOthers));
}
