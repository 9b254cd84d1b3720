using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace AgentFunctions.Tests.Support;

/// <summary>Small helpers for talking JSON to the API in tests.</summary>
public static class HttpJson
{
    public static Task<HttpResponseMessage> PostJsonAsync(this HttpClient client, string url, object body, string? ifMatch = null) =>
        client.SendJsonAsync(HttpMethod.Post, url, body, ifMatch);

    public static async Task<HttpResponseMessage> SendJsonAsync(this HttpClient client, HttpMethod method, string url, object? body, string? ifMatch = null)
    {
        using var request = new HttpRequestMessage(method, url);
        if (body is not null)
        {
            var text = body as string ?? JsonSerializer.Serialize(body);
            request.Content = new StringContent(text, Encoding.UTF8, "application/json");
        }
        if (ifMatch is not null) request.Headers.IfMatch.Add(new EntityTagHeaderValue(ifMatch));
        return await client.SendAsync(request);
    }

    /// <summary>Every item of a list route, following <c>next_cursor</c> until it is null.</summary>
    public static async Task<List<JsonNode>> ReadAllItemsAsync(this HttpClient client, string url, int limit = 200)
    {
        var items = new List<JsonNode>();
        string? cursor = null;
        for (var pages = 0; pages < 10_000; pages++)
        {
            var separator = url.Contains('?', StringComparison.Ordinal) ? '&' : '?';
            var page = await (await client.GetAsync($"{url}{separator}limit={limit}" + (cursor is null ? "" : "&cursor=" + Uri.EscapeDataString(cursor))))
                .ExpectAsync(System.Net.HttpStatusCode.OK);
            items.AddRange(page["items"]!.AsArray().Select(i => i!.DeepClone()));
            cursor = page["next_cursor"]?.GetValue<string>();
            if (cursor is null) return items;
        }
        throw new InvalidOperationException($"{url} never stopped paging");
    }

    public static async Task<JsonNode> ReadNodeAsync(this HttpResponseMessage response) =>
        JsonNode.Parse(await response.Content.ReadAsStringAsync()) ?? throw new InvalidOperationException("empty body");

    public static async Task<JsonNode> ExpectAsync(this HttpResponseMessage response, System.Net.HttpStatusCode status)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"Expected {(int)status} but got {(int)response.StatusCode}: {text}");
        return text.Length == 0 ? new JsonObject() : JsonNode.Parse(text)!;
    }

    public static async Task<JsonNode> ExpectProblemAsync(this HttpResponseMessage response, System.Net.HttpStatusCode status)
    {
        var node = await response.ExpectAsync(status);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal((int)status, node["status"]!.GetValue<int>());
        return node;
    }
}
