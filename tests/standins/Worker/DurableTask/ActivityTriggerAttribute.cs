// Compile-only stand-in. Mirrors Azure/azure-functions-durable-extension,
// src/Worker.Extensions.DurableTask/ActivityTriggerAttribute.cs (package Microsoft.Azure.Functions.Worker.Extensions.DurableTask).
using Microsoft.Azure.Functions.Worker.Extensions.Abstractions;

namespace Microsoft.Azure.Functions.Worker;

[AttributeUsage(AttributeTargets.Parameter)]
public sealed class ActivityTriggerAttribute : TriggerBindingAttribute
{
    public string? Activity { get; set; }
}
