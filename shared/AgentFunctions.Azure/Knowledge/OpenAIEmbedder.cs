using System.ClientModel;
using System.ClientModel.Primitives;
using AgentFunctions.Knowledge;
using Microsoft.Extensions.Logging;
using Microsoft.ML.Tokenizers;
using OpenAI;
using OpenAI.Embeddings;

namespace AgentFunctions.Azure.Knowledge;

/// <summary>
/// <see cref="ITextEmbedder"/> over the OpenAI SDK's <see cref="EmbeddingClient"/> (Azure OpenAI v1 endpoint or any
/// OpenAI-compatible one): texts go in batches of <see cref="OpenAIEmbedderOptions.BatchSize"/>, the SDK retries 429 and
/// 5xx with backoff (honouring retry-after), and each batch's token count is logged. text-embedding-3 models read
/// 8191 cl100k tokens; longer text is refused rather than cut off by the service.
/// </summary>
public sealed class OpenAIEmbedder : ITextEmbedder
{
    private static readonly Lazy<Tokenizer> Cl100k = new(() => TiktokenTokenizer.CreateForEncoding("cl100k_base"));
    private readonly EmbeddingClient client;
    private readonly OpenAIEmbedderOptions options;
    private readonly ILogger<OpenAIEmbedder> logger;

    /// <param name="transport">Optional HTTP transport (tests, IHttpClientFactory); the SDK's own when null.</param>
    /// <param name="tokenProvider">Replaces DefaultAzureCredential when the options hold no API key (managed identity).</param>
    public OpenAIEmbedder(OpenAIEmbedderOptions options, ILogger<OpenAIEmbedder> logger, PipelineTransport? transport = null, AuthenticationTokenProvider? tokenProvider = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(options.BatchSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Dimensions, 1);
        this.options = options;
        this.logger = logger;
        var clientOptions = new OpenAIClientOptions { Endpoint = options.Endpoint, RetryPolicy = new ClientRetryPolicy(options.MaxRetries) };
        if (transport is not null) clientOptions.Transport = transport;
        if (!string.IsNullOrEmpty(options.ApiKey))
        {
            client = new EmbeddingClient(options.Deployment, new ApiKeyCredential(options.ApiKey), clientOptions);
        }
        else
        {
            var provider = tokenProvider ?? new global::Azure.Identity.DefaultAzureCredential(new global::Azure.Identity.DefaultAzureCredentialOptions
            {
                ManagedIdentityClientId = options.ManagedIdentityClientId,
            });
            // The AuthenticationPolicy constructor is the SDK's documented way to send Entra ID tokens to Azure OpenAI's v1
            // endpoint; it is flagged experimental (OPENAI001) only.
#pragma warning disable OPENAI001
            client = new EmbeddingClient(options.Deployment, new BearerTokenPolicy(provider, OpenAIEmbedderOptions.ManagedIdentityScope), clientOptions);
#pragma warning restore OPENAI001
        }
    }

    public int Dimensions => options.Dimensions;

    public int MaxInputTokens => 8191;

    public int CountInputTokens(string text) => Cl100k.Value.CountTokens(text);

    public async Task<IReadOnlyList<float[]>> EmbedAsync(IReadOnlyList<string> texts, CancellationToken cancellationToken = default)
    {
        foreach (var text in texts)
        {
            var count = CountInputTokens(text);
            if (count > MaxInputTokens) throw new ArgumentException($"A text of {count} tokens exceeds the model's window of {MaxInputTokens}; chunk it first.", nameof(texts));
        }
        var vectors = new List<float[]>(texts.Count);
        foreach (var batch in texts.Chunk(options.BatchSize))
        {
            var result = await client.GenerateEmbeddingsAsync(batch, new EmbeddingGenerationOptions { Dimensions = options.Dimensions }, cancellationToken).ConfigureAwait(false);
            var embeddings = result.Value.OrderBy(e => e.Index).ToList();
            if (embeddings.Count != batch.Length) throw new InvalidOperationException($"The embeddings service answered {embeddings.Count} vectors for {batch.Length} texts.");
            vectors.AddRange(embeddings.Select(e => e.ToFloats().ToArray()));
            logger.LogInformation("Embedded {TextCount} texts with {Deployment}: {InputTokens} tokens", batch.Length, options.Deployment, result.Value.Usage?.InputTokenCount ?? 0);
        }
        return vectors;
    }
}
