using AgentFunctions.Benchmarks.Isolation;
using AgentFunctions.Benchmarks.Triggers;
using BenchmarkDotNet.Running;

if (args.Length > 0 && args[0] == IsolationSoak.Command)
{
    return await IsolationSoak.RunAsync(args);
}
if (args.Length > 0 && args[0] == AgentFunctions.Benchmarks.Usage.UsageFigures.Command)
{
    return await AgentFunctions.Benchmarks.Usage.UsageFigures.RunAsync(args);
}

if (args.Length > 0 && args[0] == AgentFunctions.Benchmarks.Engine.EngineCpuProfile.Command)
{
    return await AgentFunctions.Benchmarks.Engine.EngineCpuProfile.RunAsync(args);
}

if (args.Length > 0 && args[0] == EventStoreLoad.Command)
{
    return await EventStoreLoad.RunAsync(args);
}

if (args.Length > 0 && args[0] == AgentFunctions.Benchmarks.Knowledge.KnowledgeFigures.Command)
{
    return await AgentFunctions.Benchmarks.Knowledge.KnowledgeFigures.RunAsync(args);
}

if (args.Length > 1 && args[0] == AgentFunctions.Benchmarks.Knowledge.KnowledgeFigures.SamplesCommand)
{
    return AgentFunctions.Benchmarks.Knowledge.KnowledgeSampleFiles.Write(args[1]);
}

BenchmarkSwitcher.FromAssembly(typeof(IsolationSoak).Assembly).Run(args);
return 0;

public partial class Program;
