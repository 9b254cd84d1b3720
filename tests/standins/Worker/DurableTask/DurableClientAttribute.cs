// Compile-only stand-in. Mirrors Azure/azure-functions-durable-extension,
// src/Worker.Extensions.DurableTask/DurableClientAttribute.cs (package Microsoft.Azure.Functions.Worker.Extensions.DurableTask).
using Microsoft.Azure.Functions.Worker.Extensions.Abstractions;

namespace Microsoft.Azure.Functions.Worker;

public sealed class DurableClientAttribute : InputBindingAttribute
{
    public string? TaskHub { get; set; }

    public string? ConnectionName { get; set; }
}
