using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace AgentFunctions.Local.Documents;

/// <summary>
/// <c>fdatasync</c> on Linux: a file's written data made durable, with its inode only when the data needs it (a new
/// size, newly allocated blocks), not for its times. .NET's <see cref="RandomAccess.FlushToDisk"/> is <c>fsync</c>,
/// which writes the inode too: on ext4 that is a second device request per call. Elsewhere, <c>FlushToDisk</c>.
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
