using AgentFunctions.Access;
using AgentFunctions.Api.Http;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace AgentFunctions.Api.Credentials;

public static class CredentialsEndpoints
{
    public static IEndpointRouteBuilder MapCredentialsApi(this IEndpointRouteBuilder api)
    {
        api.MapPost("v1/tenants/{tenantId}/credentials", (HttpContext http, string tenantId, CredentialsApi h) => h.Create(http, tenantId))
            .WithName("CreateCredential").WithMetadata(AuthLevel.Anonymous).RequiresPermission(Permission.ManageCredentials);
        api.MapGet("v1/tenants/{tenantId}/credentials", (HttpContext http, string tenantId, CredentialsApi h) => h.List(http, tenantId))
            .WithName("ListCredentials").WithMetadata(AuthLevel.Anonymous).RequiresPermission(Permission.ViewAgents);
        api.MapGet("v1/tenants/{tenantId}/credentials/{credentialId}", (HttpContext http, string tenantId, string credentialId, CredentialsApi h) => h.Get(http, tenantId, credentialId))
            .WithName("GetCredential").WithMetadata(AuthLevel.Anonymous).RequiresPermission(Permission.None, checkedInService: Permission.ManageCredentials);
        api.MapPost("v1/tenants/{tenantId}/credentials/{credentialId}/rotate", (HttpContext http, string tenantId, string credentialId, CredentialsApi h) => h.Rotate(http, tenantId, credentialId))
            .WithName("RotateCredential").WithMetadata(AuthLevel.Anonymous).RequiresPermission(Permission.ManageCredentials);
        api.MapDelete("v1/tenants/{tenantId}/credentials/{credentialId}", (HttpContext http, string tenantId, string credentialId, CredentialsApi h) => h.Delete(http, tenantId, credentialId))
            .WithName("DeleteCredential").WithMetadata(AuthLevel.Anonymous).RequiresPermission(Permission.ManageCredentials);
        api.MapGet("v1/tenants/{tenantId}/audit/credentials", (HttpContext http, string tenantId, CredentialsApi h) => h.Audit(http, tenantId))
            .WithName("ListCredentialAudit").WithMetadata(AuthLevel.Anonymous).RequiresPermission(Permission.ViewAudit);
        return api;
    }
}
