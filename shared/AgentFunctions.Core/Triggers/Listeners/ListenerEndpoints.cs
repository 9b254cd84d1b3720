namespace AgentFunctions.Triggers.Listeners;

/// <summary>Where the built-in listeners find their systems (section <c>AgentFunctions:Listeners</c>); tests point them at local fakes.</summary>
public sealed class ListenerEndpoints
{
    public Uri HubSpot { get; set; } = new("https://api.hubapi.com/");

    public Uri Gmail { get; set; } = new("https://gmail.googleapis.com/");
}
