using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using AgentFunctions.Local.Events;
using AgentFunctions.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using StandardWebhooks;

namespace AgentFunctions.Tests.Triggers;

/// <summary>A local host with a tenant, an agent and helpers to make triggers and send signed deliveries.</summary>
public sealed class TriggerTestHost : IAsyncDisposable
{
    private TriggerTestHost(PlatformFactory factory, SeededTenant tenant, string agentId, ManualTimeProvider? time)
    {
        Factory = factory;
        Tenant = tenant;
        AgentId = agentId;
        Time = time;
    }

    public PlatformFactory Factory { get; }

    public SeededTenant Tenant { get; }

    public string AgentId { get; }

    public ManualTimeProvider? Time { get; }

    public HttpClient Client => Tenant.First.Client;

    public static async Task<TriggerTestHost> StartAsync(ManualTimeProvider? time = null, string prompt = "/answer handled", Action<IServiceCollection>? configure = null)
    {
        var factory = new PlatformFactory
        {
            ConfigureTestServices = services =>
            {
                if (time is not null) services.AddSingleton<TimeProvider>(time);
                // The tests tick the schedulers themselves, so what a test counts is what it caused.
                services.Configure<LocalTimerOptions>(o => o.Enabled = false);
                configure?.Invoke(services);
            },
        };
        var tenant = await factory.SeedTenantAsync();
        var agent = await (await tenant.First.Client.PostJsonAsync("/api/v1/agents", new
        {
            name = "Event handler",
            scope = "team",
            model = "offline",
            system_prompt = prompt,
            tools = Array.Empty<string>(),
        })).ExpectAsync(HttpStatusCode.Created);
        return new TriggerTestHost(factory, tenant, agent["id"]!.GetValue<string>(), time);
    }

    public async Task<JsonNode> CreateTriggerAsync(object body, string? agentId = null) =>
        await (await Client.PostJsonAsync($"/api/v1/agents/{agentId ?? AgentId}/triggers", body)).ExpectAsync(HttpStatusCode.Created);

    public Task DrainAsync() => Factory.Services.GetRequiredService<LocalEventBus>().DrainAsync(TimeSpan.FromSeconds(30));

    /// <summary>Signs with the Standard Webhooks library, as a sender would.</summary>
    public static HttpRequestMessage Signed(string triggerId, string secret, string body, string? webhookId = null, DateTimeOffset? timestamp = null)
    {
        var id = webhookId ?? "msg_" + Guid.NewGuid().ToString("N");
        var at = timestamp ?? DateTimeOffset.UtcNow;
        var request = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/hooks/{triggerId}")
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("webhook-id", id);
        request.Headers.Add("webhook-timestamp", at.ToUnixTimeSeconds().ToString());
        request.Headers.Add("webhook-signature", new StandardWebhook(secret).Sign(id, at, body));
        return request;
    }

    /// <summary>The signature as the specification defines it, by hand (what the README's openssl line computes).</summary>
    public static string SignBySpec(string secret, string webhookId, long timestamp, string body)
    {
        var key = Convert.FromBase64String(secret["whsec_".Length..]);
        var mac = HMACSHA256.HashData(key, Encoding.UTF8.GetBytes($"{webhookId}.{timestamp}.{body}"));
        return "v1," + Convert.ToBase64String(mac);
    }

    public async Task<JsonArray> EventsAsync(string triggerId) =>
        (await (await Client.GetAsync($"/api/v1/triggers/{triggerId}/events")).ExpectAsync(HttpStatusCode.OK))["items"]!.AsArray();

    public async ValueTask DisposeAsync()
    {
        await Factory.DisposeAsync();
    }
}
