using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace AgentFunctions.Local.Documents;

/// <summary>
/// <c>fdatasync</c> on Linux: a file's written data made durable, with its metadata only as far as reading the data
/// back needs it (a new size, newly allocated blocks), not its times; .NET's <see cref="RandomAccess.FlushToDisk"/> is
/// <c>fsync</c>. (ext4 without a journal, as here, still writes a dirty inode in both; what saves most is writing into
/// blocks that are allocated already, see <see cref="AppendLogDocumentStore"/>'s zero-filled segments.) Elsewhere,
/// <c>FlushToDisk</c>.
/// </summary>
internal static class DataSync
{
    public static void Flush(SafeFileHandle handle)
    {
        if (!OperatingSystem.IsLinux())
        {
            RandomAccess.FlushToDisk(handle);
            return;
        }
        var added = false;
        handle.DangerousAddRef(ref added);
        try
        {
            int result;
            do
            {
                result = Fdatasync((int)handle.DangerousGetHandle());
            }
            while (result != 0 && Marshal.GetLastPInvokeError() == EINTR);
            if (result != 0) throw new IOException($"fdatasync failed (errno {Marshal.GetLastPInvokeError()}).");
        }
        finally
        {
            if (added) handle.DangerousRelease();
        }
    }

    private const int EINTR = 4;

    [DllImport("libc", EntryPoint = "fdatasync", SetLastError = true)]
    private static extern int Fdatasync(int fd);
}
