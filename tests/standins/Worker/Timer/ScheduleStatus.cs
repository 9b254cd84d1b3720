// Compile-only stand-in. Mirrors Azure/azure-functions-dotnet-worker, extensions/Worker.Extensions.Timer/ScheduleStatus.cs.
namespace Microsoft.Azure.Functions.Worker;

public class ScheduleStatus
{
    public DateTime Last { get; set; }

    public DateTime Next { get; set; }

    public DateTime LastUpdated { get; set; }
}
