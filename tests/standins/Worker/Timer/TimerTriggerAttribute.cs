// Compile-only stand-in. Mirrors Azure/azure-functions-dotnet-worker,
// extensions/Worker.Extensions.Timer/src/TimerTriggerAttribute.cs (package Microsoft.Azure.Functions.Worker.Extensions.Timer).
using Microsoft.Azure.Functions.Worker.Extensions.Abstractions;

namespace Microsoft.Azure.Functions.Worker;

public sealed class TimerTriggerAttribute : TriggerBindingAttribute
{
    public TimerTriggerAttribute(string schedule)
    {
        Schedule = schedule;
        UseMonitor = true;
    }

    public string Schedule { get; private set; }

    public bool UseMonitor { get; set; }

    public bool RunOnStartup { get; set; }
}
