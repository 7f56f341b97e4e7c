using System.Diagnostics;

namespace OneShot.Benchmarks;

/// <summary>The process's resident set size after a full garbage collection.</summary>
internal static class Rss
{
    public static long Bytes()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        using var process = Process.GetCurrentProcess();
        process.Refresh();
        return process.WorkingSet64;
    }
}
