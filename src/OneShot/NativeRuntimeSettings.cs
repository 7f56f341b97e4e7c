using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace OneShot;

/// <summary>
/// Process settings for libtorch's native libraries that OneShot applies when its assembly loads, before any
/// tensor work: oneDNN's instruction set is capped at SSE4.1 unless the host chose otherwise or this host passed
/// <see cref="NativeKernelCheck"/>.
/// </summary>
/// <remarks>
/// On an AMD EPYC host with AVX-512 (November 2026), oneDNN's AVX-512 and AVX2 convolution kernels in libtorch 2.10
/// (TorchSharp 0.107) returned wrong values (errors of 20-40 % of the output's range) or NaN, nondeterministically,
/// for 3x3 convolutions whose channel counts are not a multiple of the vector width (for example 17, 20, 24 or 40
/// channels), forward and backward; seeded training then gave NaN losses in one run and finite ones in the next.
/// With <c>ONEDNN_MAX_CPU_ISA=SSE41</c> all 504 convolution shapes checked against float64 were right. On a later
/// AMD EPYC host (CPU family 26, with AVX-512 VP2INTERSECT) the full instruction set was right on every case and 2.2-2.5 times faster. So the decision is
/// per host: the cap is the default, lifted (<c>ALL</c>) when a passing <c>oneshot check-kernels</c> of this exact
/// host is recorded (<see cref="NativeKernelCheck.RecordPath"/>). A host that sets the variable itself (for example
/// to <c>ALL</c>) before the first OneShot call keeps its choice. On Windows nothing is changed. The decision and its
/// reason are in <see cref="NativeKernelCheck.OneDnnIsaPolicy"/>.
/// </remarks>
internal static class NativeRuntimeSettings
{
    /// <summary>The oneDNN variable that caps the instruction set its kernels use.</summary>
    public const string OneDnnIsaVariable = "ONEDNN_MAX_CPU_ISA";

    /// <summary>The cap OneShot applies when the host set none.</summary>
    public const string DefaultOneDnnIsa = "SSE41";

#pragma warning disable CA2255 // A library module initializer is intended here: the variable must be set before libtorch's first kernel.
    [ModuleInitializer]
    internal static void Apply()
#pragma warning restore CA2255
    {
        string? hostChoice = Environment.GetEnvironmentVariable(OneDnnIsaVariable);
        if (OperatingSystem.IsWindows())
        {
            NativeKernelCheck.OneDnnIsaPolicy = "untouched (Windows)";
            return;
        }

        if (!string.IsNullOrEmpty(hostChoice))
        {
            NativeKernelCheck.OneDnnIsaPolicy = $"{hostChoice} (set by the host's {OneDnnIsaVariable})";
            return;
        }

        string recordPath = NativeKernelCheck.RecordPath;
        var (record, reason) = NativeKernelCheck.ReadRecord(recordPath, NativeKernelCheck.HostSignature);
        string isa = record is null ? DefaultOneDnnIsa : "ALL";
        NativeKernelCheck.OneDnnIsaPolicy = record is null
            ? $"{DefaultOneDnnIsa} (no passing kernel check of this host: {reason}; run 'oneshot check-kernels' once to check the faster kernels)"
            : $"ALL (this host passed the kernel check: {record}, recorded in {recordPath})";

        // .NET keeps its own copy of the environment on Unix; libtorch reads the C library's, so set that one
        // (overwrite = 0: never replace a value the host process set natively).
        _ = SetEnv(OneDnnIsaVariable, isa, 0);
        Environment.SetEnvironmentVariable(OneDnnIsaVariable, Environment.GetEnvironmentVariable(OneDnnIsaVariable) ?? isa);
    }

    [DllImport("libc", EntryPoint = "setenv", CharSet = CharSet.Ansi, BestFitMapping = false, ThrowOnUnmappableChar = true)]
    private static extern int SetEnv(string name, string value, int overwrite);
}
