using System.Runtime.InteropServices;
using static TorchSharp.torch;

namespace OneShot.Tests;

/// <summary>
/// <see cref="NativeAllocator.KeepFreedMemory"/> makes glibc serve large tensor buffers from its heap and keep them
/// after free, instead of an mmap and munmap per buffer (which made a Conv4 training step 4-5x slower here).
/// </summary>
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
        var before = MallInfo2();
        var tensor = ones(bytes / 4, dtype: ScalarType.Float32);
        var during = MallInfo2();
        tensor.Dispose();
        var after = MallInfo2();

        (during.Hblkhd - before.Hblkhd).Should().BeLessThan((nuint)bytes, "the block must not be a separate mmap");
        (during.Uordblks - before.Uordblks).Should().BeGreaterThanOrEqualTo((nuint)bytes, "the block is heap memory in use");
        after.Fordblks.Should().BeGreaterThanOrEqualTo((nuint)bytes, "the freed block stays in the heap for the next step");
        NativeAllocator.KeepFreedMemory().Should().BeTrue("calling it again is harmless");
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
