using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using AgentFunctions.Common;

namespace AgentFunctions.Tests.Credentials;

/// <summary>Small HTTP helpers for the credentials routes; every answer comes back as status + parsed body + raw text.</summary>
internal static class CredentialsHttp
{
    public sealed record Answer(HttpStatusCode Status, JsonElement Body, string Text, HttpResponseMessage Response)
    {
        public string CredentialId => Body.GetProperty("credential_id").GetString()!;
    }

    public static string Base(TenantId tenant) => $"/api/v1/tenants/{tenant.Value}/credentials";

    public static Task<Answer> CreateAsync(HttpClient client, TenantId tenant, string json) => SendAsync(client, HttpMethod.Post, Base(tenant), json);

    public static Task<Answer> CreateAsync(HttpClient client, TenantId tenant, object body) =>
        CreateAsync(client, tenant, JsonSerializer.Serialize(body, PlatformJson.Options));

    public static Task<Answer> GetAsync(HttpClient client, TenantId tenant, string credentialId, string? userId = null) =>
        SendAsync(client, HttpMethod.Get, $"{Base(tenant)}/{credentialId}{Query(userId)}", null);

    public static Task<Answer> RotateAsync(HttpClient client, TenantId tenant, string credentialId, string json, string? userId = null) =>
        SendAsync(client, HttpMethod.Post, $"{Base(tenant)}/{credentialId}/rotate{Query(userId)}", json);

    public static Task<Answer> DeleteAsync(HttpClient client, TenantId tenant, string credentialId, string? userId = null) =>
        SendAsync(client, HttpMethod.Delete, $"{Base(tenant)}/{credentialId}{Query(userId)}", null);

    public static Task<Answer> ListAsync(HttpClient client, TenantId tenant, string query = "") =>
        SendAsync(client, HttpMethod.Get, Base(tenant) + query, null);

    public static Task<Answer> AuditAsync(HttpClient client, TenantId tenant, string query = "") =>
        SendAsync(client, HttpMethod.Get, $"/api/v1/tenants/{tenant.Value}/audit/credentials{query}", null);

    public static async Task<Answer> SendAsync(HttpClient client, HttpMethod method, string url, string? json, string contentType = "application/json")
    {
        using var request = new HttpRequestMessage(method, url);
        if (json is not null)
        {
            request.Content = new StringContent(json, Encoding.UTF8);
            request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        }
        var response = await client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        var body = text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
        return new Answer(response.StatusCode, body, text, response);
    }

    public static string Token(string secret) => $$"""{"access_token":"{{secret}}"}""";

    /// <summary>A whole create body for a tenant credential holding <paramref name="secret"/> as its access token.</summary>
    public static string TenantBody(string secret) => "{\"credentials\":" + Token(secret) + "}";

    private static string Query(string? userId) => userId is null ? string.Empty : "?user_id=" + Uri.EscapeDataString(userId);
}
