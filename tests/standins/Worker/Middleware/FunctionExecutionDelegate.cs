// Compile-only stand-in. Mirrors Azure/azure-functions-dotnet-worker,
// src/DotNetWorker.Core/Pipeline/FunctionExecutionDelegate.cs (namespace Microsoft.Azure.Functions.Worker.Middleware).
namespace Microsoft.Azure.Functions.Worker.Middleware;

public delegate Task FunctionExecutionDelegate(FunctionContext context);
