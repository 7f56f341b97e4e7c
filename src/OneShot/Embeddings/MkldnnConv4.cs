using TorchSharp;
using static TorchSharp.torch;

namespace OneShot.Embeddings;

/// <summary>
/// Conv4's folded network run on oneDNN's own (mkldnn) tensors, as PyTorch's <c>torch.jit.optimize_for_inference</c>
/// runs it: the input converted once, every convolution's weights reordered once into the blocked layout oneDNN's
/// convolution wants for the input size, in-place ReLU and max-pooling on the blocked tensors, one conversion back.
/// TorchSharp 0.107 binds none of these operators, so a small TorchScript compilation unit calls them. On the CPU only
/// (mkldnn tensors are CPU tensors); where libtorch has no mkldnn, the first call fails and the dense path is used.
/// Measured 3-5x faster than the dense channels-last path for Conv4 at 28x28 (docs/PERFORMANCE.md); results equal it.
/// </summary>
internal sealed class MkldnnConv4 : IDisposable
{
    /// <summary>The batch the weights are reordered for: <see cref="Embedder"/>'s pass size.</summary>
    private const long PassSize = 64;

    private const string Source = """
        def pack(w: Tensor, input_size: Tensor) -> Tensor:
            size: List[int] = input_size.tolist()
            return torch.mkldnn_reorder_conv2d_weight(w.contiguous().to_mkldnn(), [1, 1], [1, 1], [1, 1], 1, size)

        def forward(x: Tensor, w1: Tensor, b1: Tensor, w2: Tensor, b2: Tensor, w3: Tensor, b3: Tensor, w4: Tensor, b4: Tensor) -> Tensor:
            y = x.contiguous().to_mkldnn()
            y = torch.max_pool2d(torch.mkldnn_convolution(y, w1, b1, [1, 1], [1, 1], [1, 1], 1).relu_(), [2, 2])
            y = torch.max_pool2d(torch.mkldnn_convolution(y, w2, b2, [1, 1], [1, 1], [1, 1], 1).relu_(), [2, 2])
            y = torch.max_pool2d(torch.mkldnn_convolution(y, w3, b3, [1, 1], [1, 1], [1, 1], 1).relu_(), [2, 2])
            y = torch.max_pool2d(torch.mkldnn_convolution(y, w4, b4, [1, 1], [1, 1], [1, 1], 1).relu_(), [2, 2])
            return y.to_dense().flatten(1)
        """;

    private static readonly Lazy<jit.CompilationUnit> Script = new(() => jit.compile(Source + "\n"), LazyThreadSafetyMode.ExecutionAndPublication);

    private readonly IReadOnlyList<(Tensor Weight, Tensor Bias)> _layers;
    private readonly Dictionary<(long Channels, long Height, long Width), object[]> _packed = [];
    private readonly Lock _gate = new();
    private bool _unavailable;

    /// <summary>Uses the four folded convolutions (not owned: the caller disposes them after this).</summary>
    public MkldnnConv4(IReadOnlyList<(Tensor Weight, Tensor Bias)> layers)
    {
        if (layers.Count != 4)
        {
            throw new ArgumentException($"Conv4 has 4 convolutions; got {layers.Count}.", nameof(layers));
        }

        _layers = layers;
    }

    /// <summary>
    /// The embeddings of <paramref name="input"/> (N x C x H x W, float32, on the CPU), or null when this path does not
    /// apply (another device or type, or no mkldnn in this libtorch). Thread-safe; call inside inference mode.
    /// </summary>
    public Tensor? TryForward(Tensor input)
    {
        if (input.device_type != DeviceType.CPU || input.dtype != ScalarType.Float32 || input.dim() != 4)
        {
            return null;
        }

        object[]? packed = Packed((input.shape[1], input.shape[2], input.shape[3]));
        if (packed is null)
        {
            return null;
        }

        var arguments = new object[packed.Length + 1];
        arguments[0] = input;
        packed.CopyTo(arguments, 1);
        return (Tensor)Script.Value.invoke("forward", arguments);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        lock (_gate)
        {
            foreach (object[] packed in _packed.Values)
            {
                foreach (var t in packed.OfType<Tensor>())
                {
                    t.Dispose();
                }
            }

            _packed.Clear();
        }
    }

    /// <summary>The reordered weights and the biases for inputs of <paramref name="shape"/>, made once per shape.</summary>
    private object[]? Packed((long Channels, long Height, long Width) shape)
    {
        lock (_gate)
        {
            if (_unavailable)
            {
                return null;
            }

            if (_packed.TryGetValue(shape, out object[]? packed))
            {
                return packed;
            }

            try
            {
                packed = new object[2 * _layers.Count];
                var (channels, height, width) = shape;
                for (int i = 0; i < _layers.Count; i++)
                {
                    using var size = tensor(new[] { PassSize, channels, height, width });
                    packed[2 * i] = ((Tensor)Script.Value.invoke("pack", _layers[i].Weight, size)).DetachFromDisposeScope();
                    packed[(2 * i) + 1] = _layers[i].Bias.contiguous().DetachFromDisposeScope();
                    (channels, height, width) = (_layers[i].Weight.shape[0], height / 2, width / 2);
                }

                _packed[shape] = packed;
                return packed;
            }
            catch (Exception ex) when (ex is System.Runtime.InteropServices.ExternalException or InvalidOperationException or NotImplementedException)
            {
                foreach (var t in packed!.OfType<Tensor>())
                {
                    t.Dispose();
                }

                _unavailable = true; // this libtorch has no mkldnn: the dense path from now on
                return null;
            }
        }
    }
}
