using OneShot.Embeddings;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace OneShot.Transfer;

/// <summary>One call of <see cref="FineTuner"/>: the head, both phases, validation and the best weights.</summary>
internal sealed class FineTuningRun : IDisposable
{
    private readonly FineTuningOptions _options;
    private readonly Embedder _embedder;
    private readonly IProgress<FineTuningProgress>? _progress;
    private readonly Tensor _trainImages;
    private readonly Tensor _trainLabels;
    private readonly Tensor? _validationImages;
    private readonly Tensor? _validationLabels;
    private readonly Linear _head;
    private readonly Random _random;
    private readonly int[] _order;
    private int _position;
    private int _stale;
    private double? _bestLoss;
    private double? _bestAccuracy;
    private FineTuningPhase? _bestPhase;
    private Tensor[]? _bestHead;
    private Dictionary<string, Tensor>? _bestBody;
    private Dictionary<string, Tensor>? _initialBody;

    public FineTuningRun(
        FineTuningOptions options,
        Embedder embedder,
        int classCount,
        (Tensor Images, long[] Labels) train,
        (Tensor Images, long[] Labels)? validation,
        IProgress<FineTuningProgress>? progress)
    {
        _options = options;
        _embedder = embedder;
        _progress = progress;
        _trainImages = train.Images;
        _trainLabels = tensor(train.Labels);
        _validationImages = validation?.Images;
        _validationLabels = validation is { } v ? tensor(v.Labels) : null;
        _random = new Random(options.Seed);
        _order = Enumerable.Range(0, train.Labels.Length).ToArray();
        _position = _order.Length;
        _head = nn.Linear(embedder.EmbeddingSize, classCount);
        InitializeHead(options.Seed);
        _head.to(embedder.Device);
    }

    /// <summary>The head's weight <c>[C,D]</c> and bias <c>[C]</c> as new float32 CPU tensors.</summary>
    public (Tensor Weight, Tensor Bias) HeadWeights()
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        return (_head.weight!.detach().cpu().clone().DetachFromDisposeScope(), _head.bias!.detach().cpu().clone().DetachFromDisposeScope());
    }

    public FineTuningResult Execute(CancellationToken cancellationToken)
    {
        var network = _embedder.Network;
        int headSteps;
        int bodySteps = 0;
        bool stoppedEarly;
        try
        {
            (headSteps, stoppedEarly) = RunHeadPhase(cancellationToken);
            int stages = _options.UnfrozenStages;
            if (stages > 0 && _options.FineTuneSteps > 0)
            {
                bool stopped;
                (bodySteps, stopped) = RunBodyPhase(stages, cancellationToken);
                stoppedEarly |= stopped;
            }

            RestoreBest();
        }
        finally
        {
            network.eval();
            _embedder.NotifyWeightsChanged(); // RestoreBest may have copied weights back
        }

        return new FineTuningResult(
            headSteps, bodySteps, _validationLabels is null ? 0 : (int)_validationLabels.shape[0], _bestLoss, _bestAccuracy, _bestPhase, stoppedEarly);
    }

    public void Dispose()
    {
        _head.Dispose();
        _trainLabels.Dispose();
        _validationLabels?.Dispose();
        DisposeBest();
        DisposeAll(_initialBody);
    }

    private (int Steps, bool StoppedEarly) RunHeadPhase(CancellationToken cancellationToken)
    {
        Freezing.Freeze(_embedder);
        _embedder.Network.eval();
        using var features = Features(_trainImages);
        using var validationFeatures = _validationImages is null ? null : Features(_validationImages);
        using var optimizer = optim.Adam(_head.parameters(), lr: _options.HeadLearningRate, weight_decay: _options.WeightDecay);
        int total = _options.HeadSteps;
        _stale = 0;
        for (int step = 1; step <= total; step++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            double loss, accuracy;
            using (var scope = NewDisposeScope())
            {
                var index = NextBatch();
                (loss, accuracy) = TrainStep(optimizer, features.index_select(0, index.to(features.device)), _trainLabels.index_select(0, index));
            }

            if (EndStep(FineTuningPhase.Head, step, total, loss, accuracy, IsValidationStep(step, total) ? validationFeatures : null))
            {
                return (step, true);
            }
        }

        return (total, false);
    }

    private (int Steps, bool StoppedEarly) RunBodyPhase(int stages, CancellationToken cancellationToken)
    {
        var network = _embedder.Network;
        if (_validationImages is not null)
        {
            _initialBody = Snapshot(network);
        }

        Freezing.UnfreezeLastStages(_embedder, stages);
        var rates = new LayerwiseLearningRates { HeadLearningRate = _options.FineTuneLearningRate, Decay = _options.LayerDecay, WeightDecay = _options.WeightDecay };
        using var optimizer = rates.CreateAdam(_embedder, _head);
        int total = _options.FineTuneSteps;
        _stale = 0;
        for (int step = 1; step <= total; step++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            double loss, accuracy;
            Freezing.TrainMode(network);
            using (var scope = NewDisposeScope())
            {
                var index = NextBatch();
                var embeddings = _embedder.Forward(_trainImages.index_select(0, index).to(_embedder.Device));
                (loss, accuracy) = TrainStep(optimizer, embeddings, _trainLabels.index_select(0, index));
            }

            network.eval();
            using var validationFeatures = _validationImages is not null && IsValidationStep(step, total) ? Features(_validationImages) : null;
            if (EndStep(FineTuningPhase.Body, step, total, loss, accuracy, validationFeatures))
            {
                return (step, true);
            }
        }

        return (total, false);
    }

    private (double Loss, double Accuracy) TrainStep(optim.Optimizer optimizer, Tensor embeddings, Tensor labels)
    {
        var target = labels.to(embeddings.device);
        var logits = _head.forward(embeddings);
        var loss = nn.functional.cross_entropy(logits, target);
        optimizer.zero_grad();
        loss.backward();
        optimizer.step();
        _embedder.NotifyWeightsChanged();
        using var noGrad = no_grad();
        double accuracy = logits.argmax(1).eq(target).to_type(ScalarType.Float32).mean().item<float>();
        return (loss.item<float>(), accuracy);
    }

    private (double Loss, double Accuracy) Evaluate(Tensor features)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var target = _validationLabels!.to(features.device);
        var logits = _head.forward(features);
        double loss = nn.functional.cross_entropy(logits, target).item<float>();
        double accuracy = logits.argmax(1).eq(target).to_type(ScalarType.Float32).mean().item<float>();
        return (loss, accuracy);
    }

    private bool IsValidationStep(int step, int total) => step % _options.ValidationInterval == 0 || step == total;

    /// <summary>Validates on <paramref name="validationFeatures"/> when given, reports the step, and tells whether to stop early.</summary>
    private bool EndStep(FineTuningPhase phase, int step, int total, double loss, double accuracy, Tensor? validationFeatures)
    {
        bool stop = false;
        double? validationLoss = null, validationAccuracy = null;
        if (validationFeatures is not null)
        {
            (validationLoss, validationAccuracy) = Evaluate(validationFeatures);
            stop = UpdateBest(validationLoss.Value, validationAccuracy.Value, phase);
        }

        _progress?.Report(new FineTuningProgress(phase, step, total, loss, accuracy, validationLoss, validationAccuracy));
        return stop;
    }

    /// <summary>The embeddings of <paramref name="images"/> with the network as it is (evaluation mode), without gradients.</summary>
    private Tensor Features(Tensor images)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        return _embedder.Forward(images.to(_embedder.Device)).MoveToOuterDisposeScope();
    }

    /// <summary>Records the weights when the held-out loss improved; returns true when patience ran out.</summary>
    private bool UpdateBest(double loss, double accuracy, FineTuningPhase phase)
    {
        if (_bestLoss is null || loss < _bestLoss.Value)
        {
            _bestLoss = loss;
            _bestAccuracy = accuracy;
            _bestPhase = phase;
            _stale = 0;
            DisposeBest();
            _bestHead = [.. Snapshot(_head).Values];
            _bestBody = phase == FineTuningPhase.Body ? Snapshot(_embedder.Network) : null;
            return false;
        }

        _stale++;
        return _options.Patience is int patience && _stale >= patience;
    }

    private void RestoreBest()
    {
        if (_bestHead is null)
        {
            return;
        }

        using var noGrad = no_grad();
        var head = _head.state_dict().Values.ToArray();
        for (int i = 0; i < head.Length; i++)
        {
            head[i].copy_(_bestHead[i]);
        }

        if ((_bestBody ?? _initialBody) is { } body)
        {
            foreach (var (name, target) in _embedder.Network.state_dict())
            {
                target.copy_(body[name]);
            }
        }
    }

    private static Dictionary<string, Tensor> Snapshot(nn.Module module)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        return module.state_dict().ToDictionary(p => p.Key, p => p.Value.detach().clone().DetachFromDisposeScope());
    }

    private Tensor NextBatch()
    {
        int n = _order.Length;
        if (n <= _options.BatchSize)
        {
            using var count = n.ToScalar();
            return arange(TorchScalars.Zero, count, TorchScalars.One, dtype: ScalarType.Int64);
        }

        var batch = new long[_options.BatchSize];
        for (int i = 0; i < batch.Length; i++)
        {
            if (_position == n)
            {
                _random.Shuffle(_order);
                _position = 0;
            }

            batch[i] = _order[_position++];
        }

        return tensor(batch);
    }

    private void InitializeHead(int seed)
    {
        // PyTorch's default Linear initialisation, U(-1/sqrt(D), 1/sqrt(D)), drawn from a private generator so the
        // global one is left alone.
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        using var generator = new Generator((ulong)(uint)seed);
        double bound = 1.0 / Math.Sqrt(_embedder.EmbeddingSize);
        var weight = _head.weight!;
        var bias = _head.bias!;
        using var limit = bound.ToScalar();
        using var width = (2 * bound).ToScalar();
        weight.copy_(rand(weight.shape, generator: generator).mul(width).sub(limit));
        bias.copy_(rand(bias.shape, generator: generator).mul(width).sub(limit));
    }

    private void DisposeBest()
    {
        if (_bestHead is not null)
        {
            Array.ForEach(_bestHead, t => t.Dispose());
            _bestHead = null;
        }

        DisposeAll(_bestBody);
        _bestBody = null;
    }

    private static void DisposeAll(Dictionary<string, Tensor>? tensors)
    {
        if (tensors is not null)
        {
            foreach (var t in tensors.Values)
            {
                t.Dispose();
            }
        }
    }
}
