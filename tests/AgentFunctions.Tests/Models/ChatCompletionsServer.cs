using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using AgentFunctions.Tests.Support;
using Microsoft.AspNetCore.Http;

namespace AgentFunctions.Tests.Models;

/// <summary>
/// A local server speaking the chat-completions wire format (<c>POST {base}/chat/completions</c>) with scripted
/// answers, one per request, in order; the last one repeats. Records each request for assertions.
/// </summary>
public sealed class ChatCompletionsServer : IAsyncDisposable
{
    private readonly ConcurrentQueue<Func<HttpContext, Task>> script = new();
    private Func<HttpContext, Task>? last;
    private LoopbackServer server = null!;

    public Uri Endpoint => new(server.BaseAddress, "/openai/v1/");

    public IReadOnlyList<RecordedRequest> Requests => server.Requests.ToList();

    public JsonObject Body(int index) => JsonNode.Parse(Requests[index].Body)!.AsObject();

    public static async Task<ChatCompletionsServer> StartAsync(System.Security.Cryptography.X509Certificates.X509Certificate2? httpsCertificate = null)
    {
        var chat = new ChatCompletionsServer();
        chat.server = await LoopbackServer.StartAsync((context, _) =>
        {
            if (chat.script.TryDequeue(out var next)) chat.last = next;
            return (chat.last ?? Answer("default"))(context);
        }, httpsCertificate);
        return chat;
    }

    public ChatCompletionsServer Then(Func<HttpContext, Task> response)
    {
        script.Enqueue(response);
        return this;
    }

    public static Func<HttpContext, Task> Answer(string content, int promptTokens = 12, int completionTokens = 3) =>
        Json(200, Completion(new JsonObject { ["role"] = "assistant", ["content"] = content }, "stop", promptTokens, completionTokens));

    public static Func<HttpContext, Task> ToolCalls(string finishReason, params (string Id, string Name, string Arguments)[] calls) =>
        Json(200, Completion(new JsonObject
        {
            ["role"] = "assistant",
            ["content"] = null,
            ["tool_calls"] = new JsonArray(calls.Select(c => (JsonNode)new JsonObject
            {
                ["id"] = c.Id,
                ["type"] = "function",
                ["function"] = new JsonObject { ["name"] = c.Name, ["arguments"] = c.Arguments },
            }).ToArray()),
        }, finishReason, 40, 20));

    public static Func<HttpContext, Task> Error(int status, params (string Name, string Value)[] headers) => async context =>
    {
        foreach (var (name, value) in headers) context.Response.Headers[name] = value;
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync("""{"error":{"message":"scripted failure","type":"server_error"}}""");
    };

    public static Func<HttpContext, Task> Hang() => async context =>
    {
        try
        {
            await Task.Delay(Timeout.Infinite, context.RequestAborted);
        }
        catch (OperationCanceledException)
        {
        }
    };

    private static JsonObject Completion(JsonObject message, string finishReason, int promptTokens, int completionTokens) => new()
    {
        ["id"] = "chatcmpl-test",
        ["object"] = "chat.completion",
        ["created"] = 1_773_489_600,
        ["model"] = "gpt-4o-mini-2024-07-18",
        ["choices"] = new JsonArray { new JsonObject { ["index"] = 0, ["message"] = message, ["finish_reason"] = finishReason } },
        ["usage"] = new JsonObject { ["prompt_tokens"] = promptTokens, ["completion_tokens"] = completionTokens, ["total_tokens"] = promptTokens + completionTokens },
    };

    private static Func<HttpContext, Task> Json(int status, JsonObject body) => async context =>
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(body.ToJsonString());
    };

    public ValueTask DisposeAsync() => server.DisposeAsync();
}
