using System.Text.Json;
using System.Text.Json.Nodes;
using AgentFunctions.Tests.Support;
using Microsoft.AspNetCore.Http;

namespace AgentFunctions.Tests.Tools;

/// <summary>
/// A minimal MCP server speaking streamable HTTP with plain JSON responses: initialize, tools/list, tools/call, and
/// -32601 for anything else. Enough for the real SDK client to connect, list and call.
/// </summary>
public sealed class TestMcpServer : IAsyncDisposable
{
    private LoopbackServer server = null!;

    public Uri Endpoint => new(server.BaseAddress, "/mcp");

    public int Port => server.Port;

    public LoopbackServer Http => server;

    public List<string> Methods { get; } = [];

    /// <summary>When set, tools/list also offers <c>remote_ref</c>, whose input schema references this URL.</summary>
    public string? RemoteSchemaUrl { get; set; }

    public static async Task<TestMcpServer> StartAsync()
    {
        var mcp = new TestMcpServer();
        mcp.server = await LoopbackServer.StartAsync(mcp.HandleAsync);
        return mcp;
    }

    private async Task HandleAsync(HttpContext context, RecordedRequest request)
    {
        if (request.Method != "POST")
        {
            context.Response.StatusCode = request.Method == "DELETE" ? 200 : 405;
            return;
        }
        var message = JsonNode.Parse(request.Body)!.AsObject();
        var method = message["method"]?.GetValue<string>() ?? "";
        lock (Methods) Methods.Add(method);
        if (method == "tools/call" && message["params"]?["name"]?.GetValue<string>() == "slow")
        {
            await Task.Delay(Timeout.Infinite, context.RequestAborted).ContinueWith(_ => { });
            return;
        }
        if (message["id"] is not { } id)
        {
            context.Response.StatusCode = 202; // a notification
            return;
        }
        JsonObject response = method switch
        {
            "initialize" => Result(id, new JsonObject
            {
                ["protocolVersion"] = message["params"]?["protocolVersion"]?.GetValue<string>() ?? "2025-06-18",
                ["capabilities"] = new JsonObject { ["tools"] = new JsonObject() },
                ["serverInfo"] = new JsonObject { ["name"] = "test-crm", ["version"] = "1.0.0" },
            }),
            "tools/list" => Result(id, new JsonObject
            {
                ["tools"] = WithRemoteRef(new JsonArray
                {
                    new JsonObject
                    {
                        ["name"] = "search_contacts",
                        ["description"] = "Search CRM contacts",
                        ["inputSchema"] = JsonNode.Parse("""{"type":"object","properties":{"query":{"type":"string"}},"required":["query"]}"""),
                    },
                    new JsonObject
                    {
                        ["name"] = "bad.name",
                        ["description"] = "A name that cannot be a model function name",
                        ["inputSchema"] = JsonNode.Parse("""{"type":"object"}"""),
                    },
                    new JsonObject
                    {
                        ["name"] = "fail",
                        ["description"] = "Always reports an error",
                        ["inputSchema"] = JsonNode.Parse("""{"type":"object"}"""),
                    },
                }),
            }),
            "tools/call" => Call(id, message["params"]!.AsObject(), request.Header("Authorization")),
            _ => new JsonObject
            {
                ["jsonrpc"] = "2.0",
                ["id"] = id.DeepClone(),
                ["error"] = new JsonObject { ["code"] = -32601, ["message"] = "Method not found" },
            },
        };
        context.Response.ContentType = "application/json";
        if (method == "initialize") context.Response.Headers["Mcp-Session-Id"] = "session-1";
        await context.Response.WriteAsync(response.ToJsonString());
    }

    private JsonArray WithRemoteRef(JsonArray tools)
    {
        if (RemoteSchemaUrl is null) return tools;
        tools.Add(new JsonObject
        {
            ["name"] = "remote_ref",
            ["description"] = "A schema that points at another server",
            ["inputSchema"] = new JsonObject
            {
                ["type"] = "object",
                ["properties"] = new JsonObject { ["query"] = new JsonObject { ["$ref"] = RemoteSchemaUrl } },
            },
        });
        return tools;
    }

    private static JsonObject Call(JsonNode id, JsonObject parameters, string? authorization)
    {
        var name = parameters["name"]?.GetValue<string>();
        if (name is not ("search_contacts" or "fail"))
        {
            return new JsonObject
            {
                ["jsonrpc"] = "2.0",
                ["id"] = id.DeepClone(),
                ["error"] = new JsonObject { ["code"] = -32602, ["message"] = $"Unknown tool: {name}" },
            };
        }
        var arguments = parameters["arguments"]?.ToJsonString() ?? "{}";
        var text = new JsonObject
        {
            ["tool"] = name,
            ["arguments"] = JsonNode.Parse(arguments),
            ["authorization"] = authorization,
            ["contact"] = new JsonObject { ["name"] = "Ada Lovelace", ["phone"] = "+44 20 7946 0000" },
        }.ToJsonString();
        return Result(id, new JsonObject
        {
            ["content"] = new JsonArray { new JsonObject { ["type"] = "text", ["text"] = name == "fail" ? "upstream CRM is down" : text } },
            ["isError"] = name == "fail",
        });
    }

    private static JsonObject Result(JsonNode id, JsonObject result) =>
        new() { ["jsonrpc"] = "2.0", ["id"] = id.DeepClone(), ["result"] = result };

    public ValueTask DisposeAsync() => server.DisposeAsync();
}
