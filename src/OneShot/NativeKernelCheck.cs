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
/// The check runs every convolution case forward, input gradient and weight gradient, in NCHW and channels-last
/// layouts, after filling freed heap memory with NaN (so kernels that read padding they never wrote are caught), and
/// compares each with the same convolution in float64: a case fails when the largest absolute difference exceeds
/// 1e-4 of the float64 result's largest magnitude, or is NaN. It then runs OneShot's backbones whole at their usual
/// input sizes, the inference path (<see cref="Embeddings.Embedder.Embed"/>: folded batch norm, channels-last, oneDNN
/// tensors) and the training path's forward and backward pass (every parameter's gradient), against the same network in
/// float64.
/// </para>
/// <para>
/// A wrong convolution of a shape OneShot's networks never run (<see cref="NetworksRun"/>, for example a 1x1
/// stride-2 convolution of 3 input channels, wrong on an AMD Zen 3 host) is recorded as
/// <see cref="NativeKernelCheckResult.OutsideNetworkFailures"/> and does not keep the cap; any other wrong case does.
/// </para>
/// </remarks>
public static class NativeKernelCheck
{
    /// <summary>The version of the record file's format.</summary>
    public const int RecordFormatVersion = 2;

    /// <summary>The largest error, relative to the float64 result's largest magnitude, that a case may have.</summary>
    public const double Tolerance = 1e-4;

    /// <summary>
    /// The largest error a whole network may have: its output's largest difference relative to the float64 output's
    /// largest magnitude (1e-6 here with right kernels), and each parameter gradient's difference in norm relative to
    /// the float64 gradient's norm (up to 2e-3 where a ReLU or max-pool decides the other way in float32). Wrong
    /// kernels are off by 0.5 or more.
    /// </summary>
    public const double NetworkTolerance = 1e-2;

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
        var networks = Networks(quick);
        var failures = new List<string>();
        var outside = new List<string>();
        double worst = 0;
        int total = cases.Count + networks.Count;
        for (int i = 0; i < cases.Count; i++)
        {
            var error = CaseError.None;
            for (int r = 0; r < repetitions; r++)
            {
                error = error.Max(RunCase(cases[i], seed: (ulong)((i * 1000) + r + 1)));
            }

            worst = Max(worst, error.Worst);
            if (!(error.Worst <= Tolerance))
            {
                (NetworksRun(cases[i].In, cases[i].Kernel, cases[i].Stride) ? failures : outside).Add($"{cases[i]}: {error}");
            }

            progress?.Invoke(i + 1, total);
        }

        for (int i = 0; i < networks.Count; i++)
        {
            var (inference, training) = RunNetwork(networks[i], seed: (ulong)(1_000_000 + i));
            worst = Max(worst, Max(inference, training));
            if (!(Max(inference, training) <= NetworkTolerance))
            {
                failures.Add(string.Create(CultureInfo.InvariantCulture, $"{networks[i]}: inference relative error {inference:G3}, gradients {training:G3}"));
            }

            progress?.Invoke(cases.Count + i + 1, total);
        }

        string isa = Environment.GetEnvironmentVariable(NativeRuntimeSettings.OneDnnIsaVariable) ?? "ALL";
        return new NativeKernelCheckResult(HostSignature ?? "unknown", isa, (cases.Count * repetitions) + networks.Count, failures, outside, worst, DateTimeOffset.UtcNow);
    }

    /// <summary>
    /// Whether OneShot's networks run convolutions with this many input channels, kernel size and stride: every 3x3
    /// and 1x1 stride-1 convolution (Conv4 and ResNet-12 at any widths, ResNet-18's), ResNet-18's 7x7 stride-2 stem of
    /// 1 or 3 channels, and its stride-2 3x3 and 1x1 convolutions, which start stages 2-4 from 64, 128 or 256
    /// channels (torchvision's fixed widths). A wrong convolution outside these does not keep the cap.
    /// </summary>
    internal static bool NetworksRun(long inChannels, long kernel, long stride) => (kernel, stride) switch
    {
        (3, 1) or (1, 1) => true,
        (7, 2) => inChannels is 1 or 3,
        (3, 2) or (1, 2) => inChannels is 64 or 128 or 256,
        _ => false,
    };

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
        ["outsideNetworkFailures"] = new JsonArray(result.OutsideNetworkFailures.Select(f => (JsonNode?)f).ToArray()),
        ["checkedAt"] = result.CheckedAt.ToString("O", CultureInfo.InvariantCulture),
    };

    /// <summary>Parses <see cref="ToJson"/>'s output completely.</summary>
    /// <exception cref="JsonException">Not JSON.</exception>
    /// <exception cref="FormatException">Another format version, or a field missing or of the wrong type.</exception>
    internal static NativeKernelCheckResult ParseJson(string text) =>
        JsonNode.Parse(text) is JsonObject o ? ParseRecord(o) : throw new FormatException($"not a kernel check record of format version {RecordFormatVersion}");

    /// <summary>Reads a record already parsed as JSON completely (<see cref="ParseJson"/>).</summary>
    /// <exception cref="FormatException">Another format version, or a field missing or of the wrong type.</exception>
    private static NativeKernelCheckResult ParseRecord(JsonObject o)
    {
        try
        {
            if (o["formatVersion"]?.GetValue<int>() != RecordFormatVersion)
            {
                throw new FormatException($"not a kernel check record of format version {RecordFormatVersion}");
            }

            string[] Lines(string name) => (o[name] as JsonArray ?? throw new FormatException($"no '{name}' array"))
                .Select(f => f?.GetValue<string>() ?? throw new FormatException("a null failure")).ToArray();
            return new NativeKernelCheckResult(
                o["hostSignature"]?.GetValue<string>() ?? throw new FormatException("no 'hostSignature'"),
                o["oneDnnIsa"]?.GetValue<string>() ?? throw new FormatException("no 'oneDnnIsa'"),
                o["cases"]?.GetValue<int>() ?? throw new FormatException("no 'cases'"),
                Lines("failures"),
                Lines("outsideNetworkFailures"),
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
    internal static string? FindPassingRecord(string path, string? signature) => ReadRecord(path, signature).Passing;

    /// <summary>
    /// Why there is no passing record at <paramref name="path"/> for <paramref name="signature"/>, in a few words for
    /// the policy message: no record, one of an earlier check (run it again), another host, or a failed check. Never
    /// throws.
    /// </summary>
    internal static string WhyNoPassingRecord(string path, string? signature) => ReadRecord(path, signature).Reason;

    /// <summary>
    /// Reads the record at <paramref name="path"/> once: the passing record's description for
    /// <paramref name="signature"/> (<see cref="FindPassingRecord"/>), or null and the reason there is none
    /// (<see cref="WhyNoPassingRecord"/>). Never throws: the module initializer calls it.
    /// </summary>
    internal static (string? Passing, string Reason) ReadRecord(string path, string? signature)
    {
        try
        {
            if (signature is null)
            {
                return (null, "this host's CPU cannot be read");
            }

            var info = new FileInfo(path);
            if (!info.Exists)
            {
                return (null, $"no kernel check recorded in {path}");
            }

            if (info.Length > 1 << 20 || JsonNode.Parse(File.ReadAllText(path)) is not JsonObject o)
            {
                return (null, $"the record in {path} is not a kernel check record");
            }

            int? version = o["formatVersion"] is JsonValue v && v.TryGetValue(out int n) ? n : null;
            if (version != RecordFormatVersion)
            {
                return (null, $"the record in {path} is of {(version < RecordFormatVersion ? "an earlier" : "another")} version of the check");
            }

            var record = ParseRecord(o);
            return record.HostSignature != signature ? (null, $"the record in {path} is of another host or TorchSharp version")
                : record.OneDnnIsa != "ALL" ? (null, $"the record in {path} is of a check at {record.OneDnnIsa}, not the full instruction set")
                : !record.Passed ? (null, string.Create(CultureInfo.InvariantCulture, $"this host failed the kernel check ({record.Failures.Count} wrong, recorded in {path})"))
                : (string.Create(CultureInfo.InvariantCulture, $"{record.Cases} cases right at {record.CheckedAt.UtcDateTime:yyyy-MM-dd HH:mm} UTC"), "passed");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or JsonException or FormatException or ArgumentException or NotSupportedException or InvalidOperationException)
        {
            return (null, $"the record in {path} could not be read");
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

    /// <summary>
    /// The whole networks the check runs: Conv4 at 28x28 grayscale and 84x84 colour, ResNet-12 at 84x84 and ResNet-18 at
    /// 224x224 (quick: Conv4 at 28x28 only).
    /// </summary>
    internal static IReadOnlyList<NetworkCase> Networks(bool quick) => quick
        ? [new("conv4", new Embeddings.Conv4Options(), 1, 28, 16)]
        :
        [
            new("conv4", new Embeddings.Conv4Options(), 1, 28, 16),
            new("conv4", new Embeddings.Conv4Options(), 3, 84, 4),
            new("resnet12", new Embeddings.ResNet12Options(), 3, 84, 2),
            new("resnet18", new Embeddings.ResNet18Options(), 3, 224, 2),
        ];

    /// <summary>The relative errors of the case's forward pass, input gradient and weight gradient.</summary>
    private static CaseError RunCase(KernelCase c, ulong seed)
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
        return new CaseError(Relative(y32, y64), Relative(x32.grad!, x64.grad!), Relative(w32.grad!, w64.grad!));
    }

    /// <summary>
    /// Runs <paramref name="n"/> with random weights and batch-norm statistics, as OneShot does, against the same
    /// network in float64: the inference path (<see cref="Embeddings.Embedder.Embed"/>), then the training path's
    /// forward and backward pass (<see cref="Embeddings.Embedder.Forward"/>'s network with its channels-last input, the output and every parameter's
    /// gradient), both in evaluation mode. Returns the two worst relative errors.
    /// </summary>
    private static (double Inference, double Training) RunNetwork(NetworkCase n, ulong seed)
    {
        DirtyFreedMemory();
        using var scope = NewDisposeScope();
        using var generator = new Generator(seed);
        var options = new Embeddings.EmbedderOptions
        {
            Backbone = n.Backbone,
            Preprocessing = new Data.ImagePreprocessing { Color = n.Channels == 3 ? Data.ColorMode.Rgb : Data.ColorMode.Grayscale, Width = n.Size, Height = n.Size },
            Device = Embeddings.DeviceChoice.Cpu,
        };
        Embeddings.Embedder embedder;
        using (var rngState = random.get_rng_state())
        {
            random.manual_seed((long)seed);
            try
            {
                embedder = Embeddings.Embedder.Create(options);
            }
            finally
            {
                random.set_rng_state(rngState);
            }
        }

        using var disposeEmbedder = embedder;
        using (no_grad())
        using (var half = 0.5.ToScalar())
        using (var tenth = 0.1.ToScalar())
        {
            // Batch norm away from its initial identity, so folding it into the convolutions is checked too.
            foreach (var (name, t) in embedder.Network.named_buffers())
            {
                if (name.EndsWith("running_var", StringComparison.Ordinal))
                {
                    t.copy_(rand(t.shape, generator: generator).add_(half, TorchScalars.One));
                }
                else if (name.EndsWith("running_mean", StringComparison.Ordinal))
                {
                    t.copy_(randn(t.shape, generator: generator).mul_(tenth));
                }
            }
        }

        embedder.NotifyWeightsChanged();
        using var reference = embedder.Clone();
        reference.Network.to(float64);
        var x = randn([n.Batch, n.Channels, n.Size, n.Size], generator: generator);
        var x64 = x.to(float64);
        Tensor expected;
        using (no_grad())
        {
            expected = reference.Network.forward(x64);
        }

        double inference = Relative(embedder.Embed(x), expected);

        // Gradients in evaluation mode: training-mode batch norm over a batch of two turns float32 rounding into
        // percent-level gradient differences on right kernels, which would hide nothing but prove nothing either.
        using var gradGuard = enable_grad();
        var y32 = embedder.ForwardNetwork(x);
        var y64 = reference.Network.forward(x64);
        var gradient = randn(y64.shape, dtype: float64, generator: generator);
        y32.backward([gradient.to(float32)]);
        y64.backward([gradient]);

        // Each parameter's gradient by its norm: a ReLU or max-pool that decides the other way in float32 moves a
        // few elements by their whole size, a wrong kernel moves all of them.
        double training = Relative(y32, y64);
        var references = reference.Network.named_parameters().ToDictionary(p => p.name, p => p.parameter.grad!);
        foreach (var (name, p) in embedder.Network.named_parameters())
        {
            var expectedGradient = references[name];
            double norm = expectedGradient.norm().item<double>();
            training = Max(training, (p.grad!.to(float64) - expectedGradient).norm().item<double>() / Math.Max(norm, 1e-30));
        }

        return (inference, training);
    }

    /// <summary>The larger of two errors, NaN when either is NaN.</summary>
    internal static double Max(double a, double b) => double.IsNaN(a) || double.IsNaN(b) ? double.NaN : Math.Max(a, b);

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

/// <summary>A whole backbone the check runs: its options, input channels, square input size and batch.</summary>
internal readonly record struct NetworkCase(string Name, Embeddings.BackboneOptions Backbone, int Channels, int Size, int Batch)
{
    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"{Name} at {Channels}x{Size}x{Size}, batch {Batch}");
}

/// <summary>The relative errors of one convolution case's three passes (NaN when a result was NaN).</summary>
internal readonly record struct CaseError(double Forward, double InputGradient, double WeightGradient)
{
    public static CaseError None => new(0, 0, 0);

    public double Worst => NativeKernelCheck.Max(NativeKernelCheck.Max(Forward, InputGradient), WeightGradient);

    public CaseError Max(CaseError other) => new(
        NativeKernelCheck.Max(Forward, other.Forward),
        NativeKernelCheck.Max(InputGradient, other.InputGradient),
        NativeKernelCheck.Max(WeightGradient, other.WeightGradient));

    /// <summary>Names the passes that were wrong: "weight gradient relative error 1.1".</summary>
    public override string ToString()
    {
        var wrong = new List<string>();
        foreach (var (name, error) in new[] { ("forward", Forward), ("input gradient", InputGradient), ("weight gradient", WeightGradient) })
        {
            if (!(error <= NativeKernelCheck.Tolerance))
            {
                wrong.Add(string.Create(CultureInfo.InvariantCulture, $"{name} relative error {error:G3}"));
            }
        }

        return wrong.Count == 0 ? string.Create(CultureInfo.InvariantCulture, $"relative error {Worst:G3}") : string.Join(", ", wrong);
    }
}
