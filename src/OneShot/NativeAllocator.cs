using System.Runtime.InteropServices;

namespace OneShot;

/// <summary>
/// Tunes the C library's allocator, which libtorch uses for every CPU tensor, for workloads that allocate and free
/// the same large buffers over and over (training steps, batched embedding).
/// </summary>
/// <remarks>
/// <para>
/// glibc's <c>malloc</c> serves blocks above its mmap threshold (128 KiB to 32 MiB, adapting) with a fresh
/// <c>mmap</c> and returns them with <c>munmap</c> on free, and it trims freed heap memory above 128 KiB back to the
/// kernel. A Conv4 training step on 360 Omniglot images allocates several such buffers (one 64x28x28 activation of
/// the batch is 72 MB), so every step page-faults hundreds of megabytes of new zeroed pages: on the 2-core CI
/// machine a 60-way 1-shot 5-query step spent a quarter of its time in the kernel and took 2.25 s; with this tuning
/// it took 0.45 s.
/// </para>
/// <para>
/// <see cref="KeepFreedMemory"/> calls <c>mallopt</c> so that allocations come from the heap instead of
/// <c>mmap</c> (<c>M_MMAP_MAX</c> 0) and freed memory stays in the process for reuse (<c>M_TRIM_THRESHOLD</c> 2 GiB).
/// The cost: the process keeps its peak native memory instead of giving it back after a large batch. It changes the
/// whole process's allocator, so OneShot never applies it on its own: the <c>oneshot</c> CLI does (unless
/// <c>ONESHOT_MALLOC_TUNING=0</c>), and an application chooses by calling this method once at startup. The same
/// effect without code: start the process with <c>MALLOC_MMAP_MAX_=0 MALLOC_TRIM_THRESHOLD_=2147483647</c>.
/// </para>
/// </remarks>
public static class NativeAllocator
{
    private const int MTrimThreshold = -1;
    private const int MMmapMax = -4;

    /// <summary>
    /// Makes glibc's allocator keep freed memory for reuse and serve large blocks from the heap. Safe to call more
    /// than once and from any thread.
    /// </summary>
    /// <returns>True when the settings were applied; false where they do not apply (not Linux, or a C library
    /// without glibc's <c>mallopt</c>, such as musl).</returns>
    public static bool KeepFreedMemory()
    {
        if (!OperatingSystem.IsLinux())
        {
            return false;
        }

        try
        {
            // mallopt returns 1 on success, 0 on error.
            return MallOpt(MTrimThreshold, int.MaxValue) == 1 && MallOpt(MMmapMax, 0) == 1;
        }
        catch (EntryPointNotFoundException)
        {
            return false;
        }
        catch (DllNotFoundException)
        {
            return false;
        }
    }

    [DllImport("libc", EntryPoint = "mallopt")]
    private static extern int MallOpt(int parameter, int value);
}
