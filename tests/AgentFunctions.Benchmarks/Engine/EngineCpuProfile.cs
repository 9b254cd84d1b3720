using System.Diagnostics;

namespace AgentFunctions.Benchmarks.Engine;

/// <summary>
/// <c>engine-cpu [rounds] [warmup] [heap-rounds]</c>: the <see cref="EngineOverheadBench"/> workloads without BenchmarkDotNet, reporting what
/// holds on a loaded machine: process CPU time (user + system, all threads) and bytes allocated per loop step and per
/// 3-step run, beside the wall clock. Other processes' load changes the wall clock, much less the CPU this process
/// spends. Each figure is the median over rounds.
/// </summary>
public static class EngineCpuProfile
{
    public const string Command = "engine-cpu";

    public static async Task<int> RunAsync(string[] args)
    {
        var rounds = args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 20;
        var warmup = args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 5;
        var heapRounds = args.Length > 3 ? int.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture) : rounds;
        var bench = new EngineOverheadBench();
        bench.Setup();
        try
        {
            var steps = EngineOverheadBench.ConcurrentRuns * EngineOverheadBench.StepsPerRun;
            for (var i = 0; i < warmup; i++) await bench.ConcurrentLoopSteps();
            var loop = await MeasureAsync(rounds, steps, bench.ConcurrentLoopSteps);
            const int runsPerRound = 50;
            for (var i = 0; i < warmup * 10; i++) await bench.ThreeStepRun();
            var three = await MeasureAsync(rounds, runsPerRound, async () =>
            {
                for (var i = 0; i < runsPerRound; i++) await bench.ThreeStepRun();
            });
            var heap = await MeasureRetainedAsync(bench, heapRounds);
            var load = File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Trim() : "?";
            Console.WriteLine($"ENGINE-CPU loop step: cpu {loop.Cpu:F1} us, wall {loop.Wall:F1} us ({1e6 / loop.Wall:F0} steps/s), alloc {loop.Bytes / 1024.0:F2} KB, {loop.Items:F2} pool items, {loop.Switches:F2} context switches; " +
                $"3-step run: cpu {three.Cpu:F1} us, wall {three.Wall:F1} us, alloc {three.Bytes / 1024.0:F2} KB, {three.Items:F1} pool items, {three.Switches:F1} context switches; {rounds} rounds, loadavg {load}");
            Console.WriteLine($"ENGINE-HEAP after {heap.Runs} more runs (no forced GC between): {heap.Gen2} gen2 GCs, {heap.Gen0} gen0 GCs, heap retained {heap.RetainedPerRun:F0} bytes per finished run, {heap.Wall:F1} us per loop step");
        }
        finally
        {
            bench.Cleanup();
        }
        return 0;
    }

    /// <summary>
    /// The concurrent workload again without forced collections between rounds: how many gen2 collections it causes, and
    /// how much heap each finished run leaves behind (what a long-lived host keeps per run it has served).
    /// </summary>
    private static async Task<(int Runs, int Gen0, int Gen2, double RetainedPerRun, double Wall)> MeasureRetainedAsync(EngineOverheadBench bench, int rounds)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        var heap0 = GC.GetTotalMemory(forceFullCollection: true);
        var gen0 = GC.CollectionCount(0);
        var gen2 = GC.CollectionCount(2);
        var started = Stopwatch.GetTimestamp();
        for (var r = 0; r < rounds; r++) await bench.ConcurrentLoopSteps();
        var wall = Stopwatch.GetElapsedTime(started).TotalMicroseconds / (rounds * EngineOverheadBench.ConcurrentRuns * EngineOverheadBench.StepsPerRun);
        var gen0Count = GC.CollectionCount(0) - gen0;
        var gen2Count = GC.CollectionCount(2) - gen2;
        GC.WaitForPendingFinalizers();
        var heap1 = GC.GetTotalMemory(forceFullCollection: true);
        var runs = rounds * EngineOverheadBench.ConcurrentRuns;
        return (runs, gen0Count, gen2Count, (double)(heap1 - heap0) / runs, wall);
    }

    private static async Task<(double Cpu, double Wall, double Bytes, double Items, double Switches)> MeasureAsync(int rounds, int perRound, Func<Task> body)
    {
        var cpu = new double[rounds];
        var wall = new double[rounds];
        var bytes = new double[rounds];
        var items = new double[rounds];
        var switches = new double[rounds];
        var process = Process.GetCurrentProcess();
        for (var r = 0; r < rounds; r++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            process.Refresh();
            var cpu0 = process.TotalProcessorTime;
            var bytes0 = GC.GetTotalAllocatedBytes(precise: true);
            var items0 = ThreadPool.CompletedWorkItemCount;
            var switches0 = ContextSwitches();
            var started = Stopwatch.GetTimestamp();
            await body();
            var elapsed = Stopwatch.GetElapsedTime(started);
            var bytes1 = GC.GetTotalAllocatedBytes(precise: true);
            items[r] = (double)(ThreadPool.CompletedWorkItemCount - items0) / perRound;
            switches[r] = (double)(ContextSwitches() - switches0) / perRound;
            process.Refresh();
            var cpu1 = process.TotalProcessorTime;
            cpu[r] = (cpu1 - cpu0).TotalMicroseconds / perRound;
            wall[r] = elapsed.TotalMicroseconds / perRound;
            bytes[r] = (double)(bytes1 - bytes0) / perRound;
        }
        return (Median(cpu), Median(wall), Median(bytes), Median(items), Median(switches));
    }

    /// <summary>Voluntary and involuntary context switches of all the process's threads so far (Linux), else 0.</summary>
    private static long ContextSwitches()
    {
        if (!Directory.Exists("/proc/self/task")) return 0;
        long total = 0;
        foreach (var task in Directory.EnumerateDirectories("/proc/self/task"))
        {
            try
            {
                foreach (var line in File.ReadLines(Path.Combine(task, "status")))
                {
                    if (line.StartsWith("voluntary_ctxt_switches:", StringComparison.Ordinal) || line.StartsWith("nonvoluntary_ctxt_switches:", StringComparison.Ordinal))
                    {
                        total += long.Parse(line[(line.IndexOf(':') + 1)..].Trim(), System.Globalization.CultureInfo.InvariantCulture);
                    }
                }
            }
            catch (IOException)
            {
                // The thread ended.
            }
        }
        return total;
    }

    private static double Median(double[] values)
    {
        var sorted = values.Order().ToArray();
        return sorted[sorted.Length / 2];
    }
}
