using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace OneShot;

/// <summary>
/// Process settings for libtorch's native libraries that OneShot applies when its assembly loads, before any
/// tensor work: oneDNN is capped at SSE4.1 unless the host chose otherwise.
/// </summary>
/// <remarks>
/// On AMD EPYC hosts with AVX-512, oneDNN's AVX-512 and AVX2 convolution kernels in libtorch 2.10 (TorchSharp 0.107)
/// return wrong values (errors of 20-40 % of the output's range) or NaN, nondeterministically, for 3x3 convolutions
/// whose channel counts are not a multiple of the vector width (for example 17, 20, 24 or 40 channels), forward and
/// backward; seeded training then gave NaN losses in one run and finite ones in the next. With
/// <c>ONEDNN_MAX_CPU_ISA=SSE41</c> all 504 convolution shapes checked against float64 were right, and a Conv4
/// forward was as fast as with the default kernels (670 vs 660-696 images/s here). OneShot therefore sets that
/// variable in the native environment when it is not already set; set it yourself (for example to <c>ALL</c>)
/// before the first OneShot call to choose otherwise. On Windows nothing is changed. The regression test is
/// <c>NativeRuntimeSettingsTests</c>.
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
        if (OperatingSystem.IsWindows() || !string.IsNullOrEmpty(Environment.GetEnvironmentVariable(OneDnnIsaVariable)))
        {
            return;
        }

        // .NET keeps its own copy of the environment on Unix; libtorch reads the C library's, so set that one
        // (overwrite = 0: never replace a value the host process set natively).
        _ = SetEnv(OneDnnIsaVariable, DefaultOneDnnIsa, 0);
        Environment.SetEnvironmentVariable(OneDnnIsaVariable, Environment.GetEnvironmentVariable(OneDnnIsaVariable) ?? DefaultOneDnnIsa);
    }

    [DllImport("libc", EntryPoint = "setenv", CharSet = CharSet.Ansi, BestFitMapping = false, ThrowOnUnmappableChar = true)]
    private static extern int SetEnv(string name, string value, int overwrite);
}
