using System.Collections.Concurrent;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using TorchSharp;
using static TorchSharp.torch;

namespace OneShot.Embeddings;

/// <summary>
/// A folded network run on oneDNN's own (mkldnn) tensors, as PyTorch's <c>torch.jit.optimize_for_inference</c> runs
/// it: the input converted once, every convolution's weights reordered once into the blocked layout oneDNN's
/// convolution wants for its input size, in-place activations, pooling and residual additions on the blocked tensors,
/// one conversion back. TorchSharp 0.107 binds none of these operators, so a TorchScript function generated from the
/// network's structure calls them (compiled once per structure).
/// </summary>
/// <remarks>
/// CPU and float32 only (mkldnn tensors are CPU tensors). For every new input shape the weights are reordered and the
/// result on a random input is compared with the dense folded path; if that comparison fails, or libtorch has no
/// mkldnn, this path declines from then on and the dense path runs. Measured in docs/PERFORMANCE.md.
/// </remarks>
internal sealed class MkldnnNetwork : IDisposable
{
    /// <summary>The batch the weights are reordered for: <see cref="Embedder"/>'s pass size.</summary>
    private const long PassSize = 64;

    /// <summary>The largest difference from the dense path, relative to its largest magnitude, accepted by the self-check.</summary>
    private const double SelfCheckTolerance = 1e-4;

    private static readonly ConcurrentDictionary<string, Lazy<jit.CompilationUnit?>> Units = new(StringComparer.Ordinal);

    private readonly IReadOnlyList<(Tensor Weight, Tensor Bias, long Stride, long Padding)> _convolutions;
    private readonly Func<Tensor, (Tensor Output, IReadOnlyList<long[]> ConvolutionInputs)> _dense;
    private readonly Lazy<jit.CompilationUnit?> _unit;
    private readonly Dictionary<(long Channels, long Height, long Width), object[]> _packed = [];
    private readonly Lock _gate = new();
    private bool _declined;

    /// <summary>
    /// Runs <paramref name="body"/> over <paramref name="convolutions"/> (not owned: disposed by the caller after this).
    /// </summary>
    /// <param name="convolutions">The folded convolutions, dense, in the order <paramref name="body"/> names them.</param>
    /// <param name="body">
    /// The TorchScript statements after the input's conversion to <c>x</c> (an mkldnn tensor), ending in a
    /// <c>return</c> of a dense tensor; <c>CONV(i, v)</c> stands for convolution <c>i</c> applied to <c>v</c>.
    /// </param>
    /// <param name="dense">
    /// The dense folded forward pass on a network input, with the input shape of every convolution it ran: the shapes
    /// say what to reorder the weights for, the output is the self-check's reference.
    /// </param>
    public MkldnnNetwork(
        IReadOnlyList<(Tensor Weight, Tensor Bias, long Stride, long Padding)> convolutions,
        string body,
        Func<Tensor, (Tensor Output, IReadOnlyList<long[]> ConvolutionInputs)> dense)
    {
        _convolutions = convolutions;
        _dense = dense;
        string source = Source(convolutions, body);
        _unit = Units.GetOrAdd(source, s => new Lazy<jit.CompilationUnit?>(() => Compile(s), LazyThreadSafetyMode.ExecutionAndPublication));
    }

    /// <summary>True once this path has declined (no mkldnn, a failed self-check): the dense path runs.</summary>
    public bool Declined
    {
        get
        {
            lock (_gate)
            {
                return _declined;
            }
        }
    }

    /// <summary>
    /// The network's output for <paramref name="input"/> (N x C x H x W, float32, on the CPU), or null when this path
    /// does not apply (another device or type, no mkldnn, a failed self-check). Thread-safe; call inside inference mode.
    /// </summary>
    public Tensor? TryForward(Tensor input)
    {
        if (input.device_type != DeviceType.CPU || input.dtype != ScalarType.Float32 || input.dim() != 4)
        {
            return null;
        }

        object[]? packed = Packed(input);
        return packed is null ? null : Run(input, packed);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        lock (_gate)
        {
            foreach (object[] packed in _packed.Values)
            {
                Release(packed);
            }

            _packed.Clear();
        }
    }

    private static string Source(IReadOnlyList<(Tensor Weight, Tensor Bias, long Stride, long Padding)> convolutions, string body)
    {
        var source = new StringBuilder();
        source.Append("""
            def pack(w: Tensor, input_size: Tensor, geometry: Tensor) -> Tensor:
                size: List[int] = input_size.tolist()
                g: List[int] = geometry.tolist()
                return torch.mkldnn_reorder_conv2d_weight(w.contiguous().to_mkldnn(), [g[1], g[1]], [g[0], g[0]], [1, 1], 1, size)

            """).Append('\n');
        source.Append("def forward(input: Tensor");
        for (int i = 0; i < convolutions.Count; i++)
        {
            source.Append(CultureInfo.InvariantCulture, $", w{i}: Tensor, b{i}: Tensor");
        }

        source.Append(") -> Tensor:\n    x = input.contiguous().to_mkldnn()\n");
        foreach (string line in body.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            source.Append("    ").Append(ExpandConvolutions(line, convolutions)).Append('\n');
        }

        return source.ToString();
    }

    /// <summary>Replaces every <c>CONV(i, v)</c> in <paramref name="line"/> with the mkldnn convolution call.</summary>
    private static string ExpandConvolutions(string line, IReadOnlyList<(Tensor Weight, Tensor Bias, long Stride, long Padding)> convolutions)
    {
        var result = new StringBuilder();
        int at = 0;
        while (true)
        {
            int start = line.IndexOf("CONV(", at, StringComparison.Ordinal);
            if (start < 0)
            {
                return result.Append(line, at, line.Length - at).ToString();
            }

            int comma = line.IndexOf(',', start);
            int close = line.IndexOf(')', comma);
            int index = int.Parse(line.AsSpan(start + 5, comma - start - 5), CultureInfo.InvariantCulture);
            string operand = line[(comma + 1)..close].Trim();
            var (_, _, stride, padding) = convolutions[index];
            result.Append(line, at, start - at).Append(CultureInfo.InvariantCulture,
                $"torch.mkldnn_convolution({operand}, w{index}, b{index}, [{padding}, {padding}], [{stride}, {stride}], [1, 1], 1)");
            at = close + 1;
        }
    }

    private static jit.CompilationUnit? Compile(string source)
    {
        try
        {
            return jit.compile(source);
        }
        catch (ExternalException)
        {
            return null; // this libtorch cannot compile it (no mkldnn operators): the dense path
        }
    }

    private Tensor Run(Tensor input, object[] packed)
    {
        var arguments = new object[packed.Length + 1];
        arguments[0] = input;
        packed.CopyTo(arguments, 1);
        return (Tensor)_unit.Value!.invoke("forward", arguments);
    }

    /// <summary>The reordered weights and the biases for inputs shaped like <paramref name="input"/>, made and checked once per shape.</summary>
    private object[]? Packed(Tensor input)
    {
        var shape = (input.shape[1], input.shape[2], input.shape[3]);
        lock (_gate)
        {
            if (_declined)
            {
                return null;
            }

            if (_packed.TryGetValue(shape, out object[]? packed))
            {
                return packed;
            }

            packed = new object[2 * _convolutions.Count];
            try
            {
                using var scope = NewDisposeScope();
                if (_unit.Value is null)
                {
                    throw new ExternalException("the mkldnn TorchScript did not compile");
                }

                var sample = rand([2, shape.Item1, shape.Item2, shape.Item3], generator: new Generator(0x5eed));
                var (dense, inputs) = _dense(sample);
                for (int i = 0; i < _convolutions.Count; i++)
                {
                    var (weight, bias, stride, padding) = _convolutions[i];
                    long[] size = [PassSize, .. inputs[i].Skip(1)];
                    packed[2 * i] = ((Tensor)_unit.Value.invoke("pack", weight, tensor(size), tensor(new[] { stride, padding }))).DetachFromDisposeScope();
                    packed[(2 * i) + 1] = bias.contiguous().DetachFromDisposeScope();
                }

                // The self-check: the same numbers as the dense path on a random input, or this path is not used.
                var fast = Run(sample, packed);
                double scale = dense.abs().max().item<float>();
                double error = (fast - dense).abs().max().item<float>();
                if (!fast.shape.SequenceEqual(dense.shape) || !(error <= SelfCheckTolerance * Math.Max(scale, 1e-6)))
                {
                    throw new ExternalException(string.Create(CultureInfo.InvariantCulture, $"the mkldnn path differs from the dense one by {error:G3} (scale {scale:G3})"));
                }

                _packed[shape] = packed;
                return packed;
            }
            catch (Exception ex) when (ex is ExternalException or InvalidOperationException or NotImplementedException or ArgumentException)
            {
                Release(packed);
                _declined = true;
                return null;
            }
        }
    }

    private static void Release(object[] packed)
    {
        foreach (var t in packed.OfType<Tensor>())
        {
            t.Dispose();
        }
    }
}
