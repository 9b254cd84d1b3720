// Compile-only stand-in. Mirrors Azure/azure-functions-dotnet-worker, src/DotNetWorker.Core/Context/FunctionContext.cs.
// Subset: the members that need no further stand-in types (TraceContext, BindingContext, FunctionDefinition and
// Features are left out on purpose; add them here, copied from the same file, if the app starts using them).
namespace Microsoft.Azure.Functions.Worker;

public abstract class FunctionContext
{
    public abstract string InvocationId { get; }

    public abstract string FunctionId { get; }

    public abstract IServiceProvider InstanceServices { get; set; }

    public abstract IDictionary<object, object> Items { get; set; }
}
