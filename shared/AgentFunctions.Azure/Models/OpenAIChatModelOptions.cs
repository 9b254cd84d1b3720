namespace AgentFunctions.Azure.Models;

/// <summary>
/// Settings of the OpenAI-compatible chat endpoint (section <see cref="SectionName"/>). <see cref="Endpoint"/> is an
/// Azure OpenAI v1 base URL (<c>https://{resource}.openai.azure.com/openai/v1/</c>) or any OpenAI-compatible one
/// (<c>https://api.openai.com/v1/</c>, Ollama <c>http://localhost:11434/v1/</c>, vLLM). Authentication: an API key, or
/// managed identity (Entra ID token for <see cref="ManagedIdentityScope"/>), or none (a local Ollama).
/// </summary>
public sealed class OpenAIChatModelOptions
{
    public const string SectionName = "AgentFunctions:Models:OpenAI";
    public const string ManagedIdentityScope = "https://cognitiveservices.azure.com/.default";

    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(120);
    public static readonly TimeSpan DefaultAttemptTimeout = TimeSpan.FromSeconds(60);
    public static readonly TimeSpan DefaultRetryBaseDelay = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan DefaultMaxRetryDelay = TimeSpan.FromSeconds(30);
    public static readonly TimeSpan DefaultBreakDuration = TimeSpan.FromSeconds(30);
    public static readonly TimeSpan DefaultSamplingDuration = TimeSpan.FromSeconds(60);
    public const int DefaultMaxRetries = 3;
    public const double DefaultFailureRatio = 0.5;
    public const int DefaultMinimumThroughput = 6;

    public Uri? Endpoint { get; set; }

    /// <summary>Optional. Sent as <c>api-key</c> to Azure hosts and as <c>Authorization: Bearer</c> elsewhere (see <see cref="ApiKeyHeader"/>).</summary>
    public string? ApiKey { get; set; }

    /// <summary>Overrides the key header: <c>api-key</c> or <c>Authorization</c>. Null picks by host.</summary>
    public string? ApiKeyHeader { get; set; }

    public bool UseManagedIdentity { get; set; }

    /// <summary>Client id of a user-assigned managed identity; null for the system-assigned one / developer login.</summary>
    public string? ManagedIdentityClientId { get; set; }

    /// <summary>Agent model name to deployment name (Azure deployments are named by the operator). Unmapped names pass through.</summary>
    public Dictionary<string, string> DeploymentMap { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The whole call, retries and their delays included.</summary>
    public TimeSpan Timeout { get; set; } = DefaultTimeout;

    public TimeSpan AttemptTimeout { get; set; } = DefaultAttemptTimeout;

    public int MaxRetries { get; set; } = DefaultMaxRetries;

    public TimeSpan RetryBaseDelay { get; set; } = DefaultRetryBaseDelay;

    /// <summary>Cap on any single wait, including a server's retry-after.</summary>
    public TimeSpan MaxRetryDelay { get; set; } = DefaultMaxRetryDelay;

    /// <summary>The breaker opens when at least this share of calls in the sampling window failed...</summary>
    public double FailureRatio { get; set; } = DefaultFailureRatio;

    /// <summary>...and at least this many calls were made in it.</summary>
    public int MinimumThroughput { get; set; } = DefaultMinimumThroughput;

    public TimeSpan SamplingDuration { get; set; } = DefaultSamplingDuration;

    public TimeSpan BreakDuration { get; set; } = DefaultBreakDuration;

    public bool IsAzureHost => Endpoint is { } endpoint
        && (endpoint.Host.EndsWith(".openai.azure.com", StringComparison.OrdinalIgnoreCase)
            || endpoint.Host.EndsWith(".cognitiveservices.azure.com", StringComparison.OrdinalIgnoreCase)
            || endpoint.Host.EndsWith(".services.ai.azure.com", StringComparison.OrdinalIgnoreCase));

    public string EffectiveApiKeyHeader => ApiKeyHeader ?? (IsAzureHost ? "api-key" : "Authorization");

    public string DeploymentFor(string model) => DeploymentMap.TryGetValue(model, out var deployment) && !string.IsNullOrWhiteSpace(deployment) ? deployment : model;

    public void Validate()
    {
        var errors = new List<string>();
        if (Endpoint is null || !Endpoint.IsAbsoluteUri || (Endpoint.Scheme != Uri.UriSchemeHttps && Endpoint.Scheme != Uri.UriSchemeHttp))
            errors.Add("Endpoint must be an absolute http(s) URL");
        if (UseManagedIdentity && !string.IsNullOrEmpty(ApiKey)) errors.Add("set either ApiKey or UseManagedIdentity, not both");
        if (ApiKeyHeader is not null && ApiKeyHeader is not ("api-key" or "Authorization")) errors.Add("ApiKeyHeader must be 'api-key' or 'Authorization'");
        if (Timeout <= TimeSpan.Zero) errors.Add("Timeout must be positive");
        if (AttemptTimeout <= TimeSpan.Zero) errors.Add("AttemptTimeout must be positive");
        if (MaxRetries is < 0 or > 10) errors.Add("MaxRetries must be between 0 and 10");
        if (RetryBaseDelay < TimeSpan.Zero) errors.Add("RetryBaseDelay must not be negative");
        if (MaxRetryDelay < RetryBaseDelay) errors.Add("MaxRetryDelay must be at least RetryBaseDelay");
        if (FailureRatio is <= 0 or > 1) errors.Add("FailureRatio must be in (0, 1]");
        if (MinimumThroughput < 2) errors.Add("MinimumThroughput must be at least 2");
        if (SamplingDuration < TimeSpan.FromMilliseconds(500)) errors.Add("SamplingDuration must be at least 500 ms");
        if (BreakDuration < TimeSpan.FromMilliseconds(500)) errors.Add("BreakDuration must be at least 500 ms");
        if (errors.Count > 0) throw new InvalidOperationException($"{SectionName}: {string.Join("; ", errors)}.");
    }
}
