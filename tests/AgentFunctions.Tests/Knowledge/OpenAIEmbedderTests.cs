using System.ClientModel.Primitives;
using System.Net;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json.Nodes;
using AgentFunctions.Azure.Knowledge;
using Microsoft.Extensions.Logging.Abstractions;

namespace AgentFunctions.Tests.Knowledge;

/// <summary>The Azure OpenAI embedder at the SDK boundary: the real OpenAI SDK over a fake transport speaking the embeddings wire format.</summary>
public sealed class OpenAIEmbedderTests
{
    private readonly FakeEmbeddings service = new();

    private OpenAIEmbedder CreateSut(int batchSize = 2) => new(
        new OpenAIEmbedderOptions(new Uri("https://af-test.openai.azure.com/openai/v1/"), "test-key", "embed-small", Dimensions: 3, BatchSize: batchSize),
        NullLogger<OpenAIEmbedder>.Instance, new HttpClientPipelineTransport(new HttpClient(service)));

    [Fact]
    public async Task Embed_SendsBatchesWithDeploymentAndDimensions_AndKeepsOrder()
    {
        var vectors = await CreateSut(batchSize: 2).EmbedAsync(["alpha", "beta", "gamma"]);

        Assert.Equal(2, service.Requests.Count);
        Assert.All(service.Requests, r => Assert.EndsWith("/openai/v1/embeddings", r.Path, StringComparison.Ordinal));
        Assert.Equal("embed-small", service.Requests[0].Body["model"]!.GetValue<string>());
        Assert.Equal(3, service.Requests[0].Body["dimensions"]!.GetValue<int>());
        Assert.Equal(["alpha", "beta"], service.Requests[0].Body["input"]!.AsArray().Select(i => i!.GetValue<string>()));
        Assert.Equal(["gamma"], service.Requests[1].Body["input"]!.AsArray().Select(i => i!.GetValue<string>()));
        Assert.Equal([FakeEmbeddings.VectorFor("alpha"), FakeEmbeddings.VectorFor("beta"), FakeEmbeddings.VectorFor("gamma")], vectors);
    }

    [Fact]
    public async Task Embed_429ThenSuccess_IsRetried()
    {
        service.FailNext = 1;

        var vectors = await CreateSut().EmbedAsync(["alpha"]);

        Assert.Equal(2, service.Requests.Count);
        Assert.Equal(FakeEmbeddings.VectorFor("alpha"), Assert.Single(vectors));
    }

    [Fact]
    public async Task Embed_TextLongerThanTheWindow_IsRefusedBeforeAnyCall()
    {
        var tooLong = string.Join(' ', Enumerable.Repeat("token", 9000));

        await Assert.ThrowsAsync<ArgumentException>(() => CreateSut().EmbedAsync([tooLong]));

        Assert.Empty(service.Requests);
    }

    private sealed record Recorded(string Path, JsonObject Body);

    private sealed class FakeEmbeddings : HttpMessageHandler
    {
        public List<Recorded> Requests { get; } = [];

        public int FailNext { get; set; }

        public static float[] VectorFor(string text) => [text.Length, text[0], 1];

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var body = JsonNode.Parse(await request.Content!.ReadAsStringAsync(cancellationToken))!.AsObject();
            Requests.Add(new Recorded(request.RequestUri!.AbsolutePath, body));
            if (FailNext-- > 0)
            {
                var throttled = new HttpResponseMessage(HttpStatusCode.TooManyRequests) { Content = new StringContent("""{"error":{"message":"slow down"}}""", Encoding.UTF8, "application/json") };
                throttled.Headers.Add("retry-after-ms", "10");
                return throttled;
            }
            var base64 = body["encoding_format"]?.GetValue<string>() == "base64";
            var data = new JsonArray();
            var inputs = body["input"]!.AsArray().Select(i => i!.GetValue<string>()).ToList();
            for (var i = inputs.Count - 1; i >= 0; i--)
            {
                // Answered out of order on purpose: the adapter must order by index.
                var vector = VectorFor(inputs[i]);
                JsonNode embedding = base64 ? Convert.ToBase64String(MemoryMarshal.AsBytes(vector.AsSpan())) : new JsonArray(vector.Select(v => (JsonNode)v).ToArray());
                data.Add(new JsonObject { ["object"] = "embedding", ["index"] = i, ["embedding"] = embedding });
            }
            var answer = new JsonObject { ["object"] = "list", ["data"] = data, ["model"] = "embed-small", ["usage"] = new JsonObject { ["prompt_tokens"] = 3, ["total_tokens"] = 3 } };
            return new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent(answer.ToJsonString(), Encoding.UTF8, "application/json") };
        }
    }
}
