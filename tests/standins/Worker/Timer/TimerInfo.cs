// Compile-only stand-in. Mirrors Azure/azure-functions-dotnet-worker, extensions/Worker.Extensions.Timer/TimerInfo.cs.
namespace Microsoft.Azure.Functions.Worker;

public class TimerInfo
{
    public ScheduleStatus? ScheduleStatus { get; set; }

    public bool IsPastDue { get; set; }
}
