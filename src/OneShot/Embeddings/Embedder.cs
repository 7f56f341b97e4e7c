using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using OneShot.Data;
using OneShot.Transfer;
using OneShot.Verification;
using TorchSharp;
using static TorchSharp.torch;

namespace OneShot.Embeddings;

/// <summary>
/// An embedder built from a backbone network: images <c>[N,C,H,W]</c> in, embeddings <c>[N,D]</c> out.
/// </summary>
/// <remarks>
/// <para>
/// <see cref="Embed"/> and <see cref="GetFingerprint"/> are safe to call from many threads at once.
/// Training the <see cref="Network"/>, loading weights into it and <see cref="Dispose"/> are not.
/// </para>
/// <para>
/// <see cref="Embed"/> has no side effects: it never switches <see cref="Network"/> between training and evaluation
/// mode and never updates its batch-norm statistics, so a training loop may call it between steps. It gives the
/// evaluation-mode result by running a private inference copy of the network: for Conv4, ResNet-12 and ResNet-18 a copy
/// with batch norms folded into the convolutions (channels-last, equal to the eval-mode network within float tolerance),
/// for any other backbone a second instance of the network kept in evaluation mode. Either costs about the network's
/// own memory while the embedder lives. <see cref="Forward"/> always runs the real network, in its current mode.
/// </para>
/// <para>
/// The copy is built on the first call and rebuilt when <see cref="WeightsVersion"/> changed. Every path of the
/// library that changes the weights raises it: the trainers' optimizer steps (<c>PrototypicalTrainer</c>,
/// <c>SiameseTrainer</c>, <c>FineTuner</c>), loading pretrained weights, model files and checkpoints. Code that changes
/// the weights or buffers of <see cref="Network"/> itself (its own optimizer, <c>copy_</c>, <c>load_state_dict</c>, a
/// forward pass in training mode, which updates batch-norm statistics) must call <see cref="NotifyWeightsChanged"/>
/// afterwards; until then <see cref="Embed"/> keeps using the weights it last saw.
/// </para>
/// </remarks>
public sealed class Embedder : IEmbedder
{
    // Images per forward pass. Larger batches are split: measured on 2 cores, Conv4-28 runs 40% faster in passes of
    // 64 than of 256 (the activations of smaller passes stay in cache); ResNet-12-84 is unaffected.
    private const int MaxBatch = 64;
    private readonly Lock _copySync = new();
    private readonly StrongBox<long> _weightsVersion;
    private InferenceCopy? _copy;
    private SmallBatchThreading _smallBatchThreading = SmallBatchThreading.Default;
    private bool _disposed;

    private Embedder(EmbedderOptions options, nn.Module<Tensor, Tensor> network, Device device)
    {
        Options = options;
        Network = network;
        Device = device;
        _weightsVersion = WeightsVersions.Register(network);
        EmbeddingSize = MeasureEmbeddingSize();
    }

    /// <summary>The options this embedder was built from.</summary>
    public EmbedderOptions Options { get; }

    /// <summary>
    /// The backbone network, for training and fine-tuning. Its state-dict keys are the weight keys of model files.
    /// </summary>
    public nn.Module<Tensor, Tensor> Network { get; }

    /// <inheritdoc />
    public string Architecture => Options.Backbone.Architecture;

    /// <inheritdoc />
    public ImagePreprocessing Preprocessing => Options.Preprocessing;

    /// <inheritdoc />
    public int EmbeddingSize { get; }

    /// <inheritdoc />
    public Device Device { get; }

    /// <summary>
    /// The intra-op thread count <see cref="Embed"/> uses for small batches (default: one thread for a single image);
    /// see <see cref="Embeddings.SmallBatchThreading"/> for the measurements and thread safety. Safe to change while
    /// other threads call <see cref="Embed"/>: each call reads it once.
    /// </summary>
    /// <exception cref="ArgumentNullException">The value is null.</exception>
    public SmallBatchThreading SmallBatchThreading
    {
        get => Volatile.Read(ref _smallBatchThreading);
        set => Volatile.Write(ref _smallBatchThreading, value ?? throw new ArgumentNullException(nameof(value)));
    }

    /// <summary>
    /// The version of the weights and buffers of <see cref="Network"/>: it grows by at least one each time they change
    /// through the library or <see cref="NotifyWeightsChanged"/> is called. <see cref="Embed"/> rebuilds its inference
    /// copy when this differs from the version the copy was built at; reading it costs nothing.
    /// </summary>
    public long WeightsVersion => Volatile.Read(ref _weightsVersion.Value);

    /// <summary>
    /// Records that the weights or buffers of <see cref="Network"/> changed, so the next <see cref="Embed"/> uses them.
    /// Call it after changing them outside the library: an optimizer step of your own, <c>copy_</c> or
    /// <c>load_state_dict</c> on the network, or a forward pass in training mode (batch-norm statistics). The library's
    /// trainers and weight loaders call it themselves. Safe to call from any thread; cheap (one atomic increment).
    /// </summary>
    public void NotifyWeightsChanged() => Interlocked.Increment(ref _weightsVersion.Value);

    /// <summary>Builds an embedder with freshly initialised weights.</summary>
    /// <param name="options">The backbone, preprocessing and device; defaults to a 28x28 grayscale Conv4.</param>
    public static Embedder Create(EmbedderOptions? options = null)
    {
        options ??= new EmbedderOptions();
        Device device = Devices.Resolve(options.Device);
        var network = BuildScoped(options);
        network.to(device);
        network.eval();
        return new Embedder(options, network, device);
    }

    /// <summary>
    /// Returns an independent copy of this embedder: same options, device and weights (parameters and buffers such
    /// as batch-norm running statistics), in evaluation mode with every parameter trainable. Changing or disposing
    /// one does not affect the other. TorchSharp's global random generator is left as it was.
    /// </summary>
    public Embedder Clone()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        using var rngState = random.get_rng_state();
        Embedder copy;
        try
        {
            copy = Create(Options);
        }
        finally
        {
            random.set_rng_state(rngState);
        }

        using (var scope = NewDisposeScope())
        using (var noGrad = no_grad())
        {
            var source = Network.state_dict();
            foreach (var (name, target) in copy.Network.state_dict())
            {
                target.copy_(source[name]);
            }
        }

        copy.NotifyWeightsChanged();
        return copy;
    }

    /// <inheritdoc />
    public Tensor Embed(Tensor images)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentNullException.ThrowIfNull(images);
        CheckInput(images);
        var copy = AcquireCopy();

        // The small-batch policy changes the calling thread's libtorch thread count for this pass only (a no-op when a
        // caller such as Gallery.Classify already applied it to its whole call).
        using var threads = EnterSmallBatchThreads(images.shape[0]);
        try
        {
            using var scope = NewDisposeScope();
            using var inference = inference_mode();
            long n = images.shape[0];
            Tensor result;
            if (n <= MaxBatch)
            {
                result = ForwardNeverSingle(copy, images.to(Device)).cpu();
            }
            else
            {
                var parts = new List<Tensor>();
                for (long start = 0; start < n; start += MaxBatch)
                {
                    long length = Math.Min(MaxBatch, n - start);
                    parts.Add(ForwardNeverSingle(copy, images.narrow(0, start, length).to(Device)).cpu());
                }

                result = cat(parts, 0);
            }

            return result.MoveToOuterDisposeScope();
        }
        finally
        {
            lock (_copySync)
            {
                copy.Release();
            }
        }
    }

    /// <summary>
    /// Runs the network (and the optional L2 normalisation) on <paramref name="images"/> already on
    /// <see cref="Device"/>, in whatever mode the network is in, recording gradients when enabled.
    /// This is the training path; <see cref="Embed"/> is the inference path.
    /// </summary>
    public Tensor Forward(Tensor images)
    {
        ArgumentNullException.ThrowIfNull(images);
        return Normalize(ForwardNetwork(images));
    }

    /// <summary>
    /// The network alone on the training path. On the CPU a batch <c>[N, C, H, W]</c> goes in with channels-last
    /// strides (same values): libtorch then runs every convolution, batch norm and pooling of the network, forward and
    /// backward, in oneDNN's NHWC kernels, which train Conv4 1.6x and the ResNets about 1.1x faster than NCHW here
    /// (docs/PERFORMANCE.md, "Training step"). Other devices keep the layout they are given.
    /// </summary>
    internal Tensor ForwardNetwork(Tensor images)
    {
        if (images.dim() != 4 || images.device_type != DeviceType.CPU)
        {
            return Network.forward(images);
        }

        using var nhwc = FoldedNetwork.ChannelsLast(images);
        return Network.forward(nhwc);
    }

    /// <summary>
    /// Applies <see cref="SmallBatchThreading"/> to the calling thread for a call on <paramref name="batch"/> images until
    /// the result is disposed: sets libtorch's intra-op thread count when the policy covers the batch, the device is the
    /// CPU and the count differs, and restores the previous count afterwards. Galleries hold it around a whole
    /// single-image classification (decode, embed, score), because changing the count between those steps costs more
    /// than the steps themselves: the next parallel operation has to regroup libtorch's OpenMP team.
    /// </summary>
    internal ThreadCountScope EnterSmallBatchThreads(long batch)
    {
        int threads = SmallBatchThreading.ThreadsFor(batch);
        if (threads <= 0 || Device.type != DeviceType.CPU)
        {
            return default;
        }

        int previous = get_num_threads();
        if (previous == threads)
        {
            return default;
        }

        set_num_threads(threads);
        return new ThreadCountScope(previous);
    }

    /// <summary>
    /// The inference copy at the current <see cref="WeightsVersion"/> (built on first use, rebuilt when the version
    /// changed), marked in use. The version is read before the weights, so a change during the build is seen next time.
    /// </summary>
    private InferenceCopy AcquireCopy()
    {
        lock (_copySync)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            long version = WeightsVersion;
            if (_copy is null || _copy.Version != version)
            {
                _copy?.Retire();
                _copy = null;
                _copy = (InferenceCopy?)FoldedNetwork.TryCreate(Network, version) ?? EvalCopy.Create(Network, BuildTwin(), version);
            }

            _copy.Acquire();
            return _copy;
        }
    }

    /// <summary>
    /// A fresh instance of this embedder's network on <see cref="Device"/>, for the evaluation copy of a backbone
    /// without a folded form. TorchSharp's global random generator is left as it was.
    /// </summary>
    private nn.Module<Tensor, Tensor> BuildTwin()
    {
        using var rngState = random.get_rng_state();
        try
        {
            var twin = BuildScoped(Options);
            twin.to(Device);
            return twin;
        }
        finally
        {
            random.set_rng_state(rngState);
        }
    }

    /// <summary>
    /// Runs <paramref name="copy"/> on <paramref name="x"/>, never as a pass of one image: libtorch's CPU convolutions take
    /// another path for a batch of one, whose results differ in the last bits (up to 3e-6 on the Omniglot Conv4) from the
    /// same image in any larger batch. A lone image is run twice in one pass of two and the first row kept, so an image's
    /// embedding does not depend on the batch it came in (tested for Conv4, ResNet-12 and ResNet-18).
    /// </summary>
    private Tensor ForwardNeverSingle(InferenceCopy copy, Tensor x)
    {
        if (x.shape[0] != 1)
        {
            return Normalize(copy.Forward(x));
        }

        using var pair = x.expand(2, -1, -1, -1).contiguous();
        using var both = Normalize(copy.Forward(pair));
        return both.narrow(0, 0, 1).clone();
    }

    /// <summary>Applies the optional L2 normalisation to a fresh network output, disposing it when replaced.</summary>
    private Tensor Normalize(Tensor raw)
    {
        if (!Options.L2Normalize)
        {
            return raw;
        }

        using (raw)
        {
            return nn.functional.normalize(raw, p: 2, dim: 1);
        }
    }

    /// <inheritdoc />
    public EmbedderFingerprint GetFingerprint()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        using (var scope = NewDisposeScope())
        {
            foreach (var (name, tensor) in Network.state_dict().OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                hash.AppendData(Encoding.UTF8.GetBytes($"{name}|{tensor.dtype}|{string.Join('x', tensor.shape)}|"));
                using var cpu = tensor.detach().cpu().contiguous();
                hash.AppendData(cpu.bytes);
            }
        }

        string options = $"{Options.Backbone.ToCanonicalString()};l2={Options.L2Normalize}";
        return new EmbedderFingerprint(
            Architecture,
            options,
            Preprocessing.ToCanonicalString(),
            Convert.ToHexStringLower(hash.GetHashAndReset()));
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (!_disposed)
        {
            _disposed = true;
            lock (_copySync)
            {
                _copy?.Retire();
                _copy = null;
            }

            Network.Dispose();
        }
    }

    /// <summary>
    /// Builds the backbone inside a dispose scope, keeping only its parameters and buffers: TorchSharp's layer
    /// initialisers leave one untracked tensor handle per convolution otherwise (four per Conv4).
    /// </summary>
    private static nn.Module<Tensor, Tensor> BuildScoped(EmbedderOptions options)
    {
        using var scope = NewDisposeScope();
        var network = options.Backbone.Build(options.Preprocessing.Channels);
        foreach (var parameter in network.parameters())
        {
            parameter.DetachFromDisposeScope();
        }

        foreach (var buffer in network.buffers())
        {
            buffer.DetachFromDisposeScope();
        }

        return network;
    }

    private void CheckInput(Tensor images)
    {
        var p = Preprocessing;
        if (images.dim() != 4 || images.shape[1] != p.Channels || images.shape[2] != p.Height || images.shape[3] != p.Width)
        {
            throw new ArgumentException(
                $"Expected images of shape [N,{p.Channels},{p.Height},{p.Width}] for this {Architecture} embedder; got [{string.Join(",", images.shape)}].",
                nameof(images));
        }

        if (images.dtype != ScalarType.Float32)
        {
            throw new ArgumentException($"Expected float32 images; got {images.dtype}.", nameof(images));
        }
    }

    private int MeasureEmbeddingSize()
    {
        using var scope = NewDisposeScope();
        using var inference = inference_mode();
        var p = Preprocessing;
        var probe = zeros(new long[] { 1, p.Channels, p.Height, p.Width }, device: Device);
        return (int)Forward(probe).shape[1];
    }
}
