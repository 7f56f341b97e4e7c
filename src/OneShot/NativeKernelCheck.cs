using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using OneShot.IO;
using TorchSharp;
using static TorchSharp.torch;

namespace OneShot;

/// <summary>
/// Checks libtorch's float32 convolutions against float64 under the process's oneDNN instruction set, and records
/// per host that oneDNN's full instruction set gave right results there, so that later OneShot processes on the same
/// host use it instead of the SSE4.1 cap (see <see cref="OneDnnIsaPolicy"/>).
/// </summary>
/// <remarks>
/// <para>
/// libtorch 2.10's oneDNN AVX2/AVX-512 convolutions returned wrong values or NaN, nondeterministically, on one AMD
/// EPYC host (AVX-512) for channel counts off the vector width; the same kernels are right on others and 2.2-2.5 times
/// faster than the SSE4.1 ones. OneShot therefore caps oneDNN at SSE4.1 unless a passing check of this exact host
/// (CPU vendor, family, model, stepping, microcode and flags, and the TorchSharp version) is recorded. The
/// <c>oneshot check-kernels</c> command runs the check in a child process with <c>ONEDNN_MAX_CPU_ISA=ALL</c> and
/// records the result; an application can do the same with <see cref="Run(int)"/> and <see cref="Record"/>.
/// </para>
/// <para>
/// The check runs every case forward, input gradient and weight gradient, in NCHW and channels-last layouts, after
/// filling freed heap memory with NaN (so kernels that read padding they never wrote are caught), and compares each
/// with the same convolution in float64: a case fails when the largest absolute difference exceeds 1e-4 of the
/// float64 result's largest magnitude, or is NaN.
/// </para>
/// </remarks>
public static class NativeKernelCheck
{
    /// <summary>The version of the record file's format.</summary>
    public const int RecordFormatVersion = 1;

    /// <summary>The largest error, relative to the float64 result's largest magnitude, that a case may have.</summary>
    public const double Tolerance = 1e-4;

    /// <summary>The environment variable that overrides <see cref="RecordPath"/>.</summary>
    public const string RecordPathVariable = "ONESHOT_KERNEL_CHECK_FILE";

    private static readonly int[] Channels = [1, 3, 8, 16, 17, 20, 24, 32, 40, 64, 160];
    private static readonly int[] QuickChannels = [1, 3, 17, 20, 64];
    private static readonly Lazy<string?> LazySignature = new(ReadHostSignature);

    /// <summary>
    /// Where the check's record is kept: <c>$ONESHOT_KERNEL_CHECK_FILE</c>, else
    /// <c>kernel-check.json</c> in the user's local application data folder under <c>OneShot</c>
    /// (<c>~/.local/share/OneShot</c> on Linux).
    /// </summary>
    public static string RecordPath
    {
        get
        {
            string? overridden = Environment.GetEnvironmentVariable(RecordPathVariable);
            return !string.IsNullOrEmpty(overridden)
                ? overridden
                : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.DoNotVerify), "OneShot", "kernel-check.json");
        }
    }

    /// <summary>
    /// What identifies this host for the record: CPU vendor, family, model, stepping, microcode, a hash of its flags,
    /// and the TorchSharp version (which fixes libtorch's); null where the CPU cannot be read (not Linux).
    /// </summary>
    public static string? HostSignature => LazySignature.Value;

    /// <summary>
    /// The oneDNN instruction-set policy this process runs with and why, decided when OneShot's assembly loaded:
    /// the host's own <c>ONEDNN_MAX_CPU_ISA</c>, <c>ALL</c> after a recorded passing check of this host, or the
    /// <c>SSE41</c> cap.
    /// </summary>
    public static string OneDnnIsaPolicy { get; internal set; } = "not decided yet";

    /// <summary>
    /// Runs the check in this process, under whatever oneDNN instruction set the process was started with (the
    /// variable <c>ONEDNN_MAX_CPU_ISA</c> is read once, at libtorch's first convolution).
    /// </summary>
    /// <param name="repetitions">How many times each case runs, with fresh random data and freshly dirtied memory.</param>
    /// <returns>Every case that was wrong, and the worst relative error of all.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="repetitions"/> is not positive.</exception>
    public static NativeKernelCheckResult Run(int repetitions = 3) => Run(repetitions, quick: false, progress: null);

    /// <summary>Runs the check; <paramref name="quick"/> checks a few of the cases (tests, smoke runs).</summary>
    internal static NativeKernelCheckResult Run(int repetitions, bool quick, Action<int, int>? progress)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(repetitions);
        var cases = Cases(quick);
        var failures = new List<string>();
        double worst = 0;
        for (int i = 0; i < cases.Count; i++)
        {
            double error = 0;
            for (int r = 0; r < repetitions; r++)
            {
                error = Math.Max(error, RunCase(cases[i], seed: (ulong)((i * 1000) + r + 1)));
            }

            worst = double.IsNaN(error) || double.IsNaN(worst) ? double.NaN : Math.Max(worst, error);
            if (!(error <= Tolerance))
            {
                failures.Add(string.Create(CultureInfo.InvariantCulture, $"{cases[i]}: relative error {error:G3}"));
            }

            progress?.Invoke(i + 1, cases.Count);
        }

        string isa = Environment.GetEnvironmentVariable(NativeRuntimeSettings.OneDnnIsaVariable) ?? "ALL";
        return new NativeKernelCheckResult(HostSignature ?? "unknown", isa, cases.Count * repetitions, failures, worst, DateTimeOffset.UtcNow);
    }

    /// <summary>
    /// Records <paramref name="result"/> (atomically) at <paramref name="path"/>, or <see cref="RecordPath"/> when
    /// null. A passing result of the full instruction set lets the next OneShot process on this host use it; a
    /// failing one keeps the cap.
    /// </summary>
    /// <exception cref="IOException">The record could not be written.</exception>
    public static void Record(NativeKernelCheckResult result, string? path = null)
    {
        ArgumentNullException.ThrowIfNull(result);
        AtomicFile.WriteAllText(path ?? RecordPath, ToJson(result).ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
    }

    /// <summary>The record's JSON: the format version and every field of <paramref name="result"/>.</summary>
    internal static JsonObject ToJson(NativeKernelCheckResult result) => new()
    {
        ["formatVersion"] = RecordFormatVersion,
        ["hostSignature"] = result.HostSignature,
        ["oneDnnIsa"] = result.OneDnnIsa,
        ["passed"] = result.Passed,
        ["cases"] = result.Cases,
        ["worstRelativeError"] = double.IsFinite(result.WorstRelativeError) ? result.WorstRelativeError : null,
        ["failures"] = new JsonArray(result.Failures.Select(f => (JsonNode?)f).ToArray()),
        ["checkedAt"] = result.CheckedAt.ToString("O", CultureInfo.InvariantCulture),
    };

    /// <summary>Parses <see cref="ToJson"/>'s output completely.</summary>
    /// <exception cref="JsonException">Not JSON.</exception>
    /// <exception cref="FormatException">Another format version, or a field missing or of the wrong type.</exception>
    internal static NativeKernelCheckResult ParseJson(string text)
    {
        try
        {
            if (JsonNode.Parse(text) is not JsonObject o || o["formatVersion"]?.GetValue<int>() != RecordFormatVersion)
            {
                throw new FormatException($"not a kernel check record of format version {RecordFormatVersion}");
            }

            var failures = (o["failures"] as JsonArray ?? throw new FormatException("no 'failures' array"))
                .Select(f => f?.GetValue<string>() ?? throw new FormatException("a null failure")).ToArray();
            return new NativeKernelCheckResult(
                o["hostSignature"]?.GetValue<string>() ?? throw new FormatException("no 'hostSignature'"),
                o["oneDnnIsa"]?.GetValue<string>() ?? throw new FormatException("no 'oneDnnIsa'"),
                o["cases"]?.GetValue<int>() ?? throw new FormatException("no 'cases'"),
                failures,
                o["worstRelativeError"]?.GetValue<double>() ?? double.NaN,
                DateTimeOffset.Parse(o["checkedAt"]?.GetValue<string>() ?? throw new FormatException("no 'checkedAt'"), CultureInfo.InvariantCulture));
        }
        catch (InvalidOperationException ex)
        {
            throw new FormatException($"a field of the wrong type: {ex.Message}", ex);
        }
    }

    /// <summary>
    /// The passing record of the full instruction set for <paramref name="signature"/> at <paramref name="path"/>,
    /// as a short description; null when there is none (missing, unreadable, malformed, another host, another
    /// format version, another instruction set, or a failing check). Never throws: a module initializer calls it.
    /// </summary>
    internal static string? FindPassingRecord(string path, string? signature)
    {
        if (signature is null)
        {
            return null;
        }

        try
        {
            var info = new FileInfo(path);
            if (!info.Exists || info.Length > 1 << 20)
            {
                return null;
            }

            var record = ParseJson(File.ReadAllText(path));
            return record.HostSignature == signature && record.OneDnnIsa == "ALL" && record.Passed
                ? string.Create(CultureInfo.InvariantCulture, $"{record.Cases} cases right at {record.CheckedAt.UtcDateTime:yyyy-MM-dd HH:mm} UTC")
                : null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or JsonException or FormatException or ArgumentException or NotSupportedException)
        {
            return null;
        }
    }

    /// <summary>The cases: the convolution shapes of OneShot's backbones and the channel counts that broke before.</summary>
    internal static IReadOnlyList<KernelCase> Cases(bool quick)
    {
        int[] channels = quick ? QuickChannels : Channels;
        var cases = new List<KernelCase>();
        foreach (bool channelsLast in new[] { false, true })
        {
            foreach (int cin in channels)
            {
                foreach (int cout in channels.Where(c => c >= 8))
                {
                    foreach (int size in quick ? [7] : cin <= 3 ? [28, 14, 7, 3] : new[] { 14, 7, 3 })
                    {
                        cases.Add(new KernelCase(cin, cout, 3, 1, size, channelsLast));
                    }

                    if (!quick)
                    {
                        cases.Add(new KernelCase(cin, cout, 1, 1, 14, channelsLast));
                        cases.Add(new KernelCase(cin, cout, 1, 2, 14, channelsLast));
                        cases.Add(new KernelCase(cin, cout, 3, 2, 14, channelsLast));
                    }
                }
            }

            if (!quick)
            {
                cases.Add(new KernelCase(3, 64, 7, 2, 56, channelsLast));
                cases.Add(new KernelCase(1, 64, 7, 2, 56, channelsLast));
            }
        }

        return cases;
    }

    /// <summary>The worst relative error of the case's forward, input gradient and weight gradient (NaN when any is NaN).</summary>
    private static double RunCase(KernelCase c, ulong seed)
    {
        DirtyFreedMemory();
        using var scope = NewDisposeScope();
        using var generator = new Generator(seed);
        using var noGradGuard = enable_grad();
        var x = randn([8, c.In, c.Size, c.Size], generator: generator);
        using var scale = (1.0 / Math.Sqrt(c.In * c.Kernel * c.Kernel)).ToScalar();
        var w = randn([c.Out, c.In, c.Kernel, c.Kernel], generator: generator).mul_(scale);
        var x32 = (c.ChannelsLast ? Embeddings.FoldedNetwork.ChannelsLast(x) : x.clone()).requires_grad_(true);
        var w32 = (c.ChannelsLast ? Embeddings.FoldedNetwork.ChannelsLast(w) : w.clone()).requires_grad_(true);
        var x64 = x.to(float64).requires_grad_(true);
        var w64 = w.to(float64).requires_grad_(true);
        long padding = c.Kernel / 2;
        var y32 = nn.functional.conv2d(x32, w32, strides: [c.Stride, c.Stride], padding: [padding, padding]);
        var y64 = nn.functional.conv2d(x64, w64, strides: [c.Stride, c.Stride], padding: [padding, padding]);
        var gradient = randn(y64.shape, dtype: float64, generator: generator);
        y32.backward([gradient.to(float32)]);
        y64.backward([gradient]);
        return Max(Max(Relative(y32, y64), Relative(x32.grad!, x64.grad!)), Relative(w32.grad!, w64.grad!));
    }

    private static double Max(double a, double b) => double.IsNaN(a) || double.IsNaN(b) ? double.NaN : Math.Max(a, b);

    private static double Relative(Tensor value, Tensor reference)
    {
        double scale = reference.abs().max().item<double>();
        double error = (value.to(float64) - reference).abs().max().item<double>();
        return error / Math.Max(scale, 1e-30);
    }

    /// <summary>Allocates and frees NaN-filled buffers of several sizes, so reused heap memory holds NaN.</summary>
    private static void DirtyFreedMemory()
    {
        using var nan = float.NaN.ToScalar();
        for (int i = 0; i < 8; i++)
        {
            using var junk = full([1L << (12 + i)], nan);
        }
    }

    private static string? ReadHostSignature()
    {
        try
        {
            if (!OperatingSystem.IsLinux() || !File.Exists("/proc/cpuinfo"))
            {
                return null;
            }

            var fields = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (string line in File.ReadLines("/proc/cpuinfo"))
            {
                if (line.Length == 0)
                {
                    break; // the first processor's block is enough: they are alike
                }

                int colon = line.IndexOf(':', StringComparison.Ordinal);
                if (colon > 0)
                {
                    fields.TryAdd(line[..colon].Trim(), line[(colon + 1)..].Trim());
                }
            }

            string Field(string name) => fields.TryGetValue(name, out string? v) ? v : "?";
            string flags = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Field("flags"))))[..16];
            string torchSharp = typeof(torch).Assembly.GetName().Version?.ToString(3) ?? "?";
            return $"{Field("vendor_id")} family {Field("cpu family")} model {Field("model")} stepping {Field("stepping")} microcode {Field("microcode")} flags {flags}; TorchSharp {torchSharp}; check {RecordFormatVersion}";
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}

/// <summary>One convolution the check runs: channels in and out, square kernel, stride, square input size, layout.</summary>
internal readonly record struct KernelCase(int In, int Out, int Kernel, int Stride, int Size, bool ChannelsLast)
{
    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"{Kernel}x{Kernel} conv stride {Stride}, {In}->{Out} channels, {Size}x{Size}, {(ChannelsLast ? "channels-last" : "NCHW")}");
}
