using Microsoft.Extensions.DependencyInjection;

namespace AgentFunctions.Engine.Models;

/// <summary>
/// Routes an agent's <c>model</c> setting: <c>offline</c> and <c>scripted:*</c> go to the scripted offline model
/// (registered as the keyed <see cref="IChatModel"/> <see cref="OfflineKey"/>, by the local host); anything else goes
/// to the registered OpenAI-compatible <see cref="IChatModel"/> (unkeyed), when one is configured. A host that lacks
/// one of them answers for that model with what is missing.
/// </summary>
public sealed class ChatModelRouter(IServiceProvider services) : IChatModelRouter
{
    public const string OfflineKey = "offline";
    public const string ScriptedPrefix = "scripted:";

    private readonly Lazy<IChatModel?> remote = new(services.GetService<IChatModel>);
    private readonly Lazy<IChatModel?> offline = new(() => services.GetKeyedService<IChatModel>(OfflineKey));

    public static bool IsOffline(string model) =>
        string.Equals(model, OfflineKey, StringComparison.OrdinalIgnoreCase) || model.StartsWith(ScriptedPrefix, StringComparison.OrdinalIgnoreCase);

    public bool Serves(string model) => string.IsNullOrWhiteSpace(model) || IsOffline(model) || remote.Value is not null;

    public IChatModel For(string model)
    {
        if (string.IsNullOrWhiteSpace(model) || IsOffline(model))
        {
            return offline.Value ?? throw new InvalidOperationException(
                $"The scripted offline model '{model}' runs on the local host only; set the agent's model to a deployed one.");
        }
        return remote.Value ?? throw new InvalidOperationException(
            $"No chat model endpoint is configured for model '{model}'; use 'offline' or configure an OpenAI-compatible endpoint.");
    }
}
