namespace AgentFunctions.Engine.Models;

/// <summary>
/// The chat model port: Azure OpenAI / any OpenAI-compatible endpoint through the OpenAI SDK in production,
/// a scripted offline model locally. Implementations record usage and latency; they never see tenant secrets
/// other than their own endpoint key.
/// </summary>
public interface IChatModel
{
    Task<ChatCompletion> CompleteAsync(ChatRequest request, CancellationToken cancellationToken = default);
}

/// <summary>Picks the model client for an agent's <c>model</c> setting (e.g. <c>offline</c>, <c>gpt-4o-mini</c>).</summary>
public interface IChatModelRouter
{
    IChatModel For(string model);

    /// <summary>Whether a configured route serves <paramref name="model"/>: checked when an agent is saved, not when it runs.</summary>
    bool Serves(string model);
}
