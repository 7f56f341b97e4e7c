using System.Runtime.InteropServices;
using static TorchSharp.torch;

namespace OneShot.Tests;

/// <summary>
/// <see cref="NativeAllocator.KeepFreedMemory"/> makes glibc serve large tensor buffers from its heap and keep them
/// after free, instead of an mmap and munmap per buffer (which made a Conv4 training step 4-5x slower here).
/// </summary>
/// <remarks>
/// mallinfo2 counts the whole process, so the test runs in the non-parallel collection (another test freeing heap
/// memory between two readings once made the in-use delta 24.8 MB for a 40 MB block) and measures up to three times.
/// </remarks>
[Collection(TorchGlobalState.Name)]
public sealed class NativeAllocatorTests
{
    [Fact]
    public void KeepFreedMemory_OnLinux_LargeTensorsComeFromTheHeapAndStayForReuse()
    {
        if (!OperatingSystem.IsLinux())
        {
            NativeAllocator.KeepFreedMemory().Should().BeFalse();
            return;
        }

        NativeAllocator.KeepFreedMemory().Should().BeTrue();
        const long bytes = 40L << 20; // above glibc's largest default mmap threshold (32 MiB), below a thread heap (64 MiB)
        (MallInfo Before, MallInfo During, MallInfo After) m = default;
        for (int attempt = 0; attempt < 3; attempt++)
        {
            m = Measure(bytes);
            if (m.During.Hblkhd - m.Before.Hblkhd < (nuint)bytes && m.During.Uordblks - m.Before.Uordblks >= (nuint)bytes && m.After.Fordblks >= (nuint)bytes)
            {
                break;
            }
        }

        (m.During.Hblkhd - m.Before.Hblkhd).Should().BeLessThan((nuint)bytes, "the block must not be a separate mmap");
        (m.During.Uordblks - m.Before.Uordblks).Should().BeGreaterThanOrEqualTo((nuint)bytes, "the block is heap memory in use");
        m.After.Fordblks.Should().BeGreaterThanOrEqualTo((nuint)bytes, "the freed block stays in the heap for the next step");
        NativeAllocator.KeepFreedMemory().Should().BeTrue("calling it again is harmless");
    }

    private static (MallInfo Before, MallInfo During, MallInfo After) Measure(long bytes)
    {
        var before = MallInfo2();
        var tensor = ones(bytes / 4, dtype: ScalarType.Float32);
        var during = MallInfo2();
        tensor.Dispose();
        return (before, during, MallInfo2());
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct MallInfo
    {
        public nuint Arena;
        public nuint Ordblks;
        public nuint Smblks;
        public nuint Hblks;
        public nuint Hblkhd;
        public nuint Usmblks;
        public nuint Fsmblks;
        public nuint Uordblks;
        public nuint Fordblks;
        public nuint Keepcost;
    }

    [DllImport("libc", EntryPoint = "mallinfo2")]
    private static extern MallInfo MallInfo2();
}
