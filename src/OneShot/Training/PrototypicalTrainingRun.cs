using System.Diagnostics;
using OneShot.Data;
using OneShot.Embeddings;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace OneShot.Training;

/// <summary>One call of <see cref="PrototypicalTrainer.Train"/>: the optimizer, the loop, validation and checkpoints.</summary>
internal sealed class PrototypicalTrainingRun : IDisposable
{
    private const int MeanWindow = 100;

    private readonly PrototypicalTrainerOptions _options;
    private readonly Embedder _embedder;
    private readonly EpisodeSampler _sampler;
    private readonly EpisodeSampler? _groupSampler;
    private readonly EpisodeSampler? _validationSampler;
    private readonly IProgress<TrainingProgress>? _progress;
    private readonly Adam _optimizer;
    private readonly TrainingState _state = new();
    private readonly (string Checkpoint, string BestWeights)? _paths;
    private readonly Queue<(double Loss, double Accuracy)> _recent = new();
    private int _savedEpisode = -1;

    public PrototypicalTrainingRun(
        PrototypicalTrainerOptions options,
        Embedder embedder,
        EpisodeSampler sampler,
        EpisodeSampler? groupSampler,
        EpisodeSampler? validationSampler,
        IProgress<TrainingProgress>? progress)
    {
        _options = options;
        _embedder = embedder;
        _sampler = sampler;
        _groupSampler = groupSampler;
        _validationSampler = validationSampler;
        _progress = progress;
        _optimizer = optim.Adam(embedder.Network.parameters(), lr: options.LearningRate);
        _paths = options.CheckpointPath is null ? null : TrainingCheckpoint.ResolvePaths(options.CheckpointPath);
    }

    private nn.Module<Tensor, Tensor> Network => _embedder.Network;

    private string Identity =>
        $"{_embedder.Architecture};{_embedder.Options.Backbone.ToCanonicalString()};l2={_embedder.Options.L2Normalize};{_embedder.Preprocessing.ToCanonicalString()}";

    /// <summary>The learning rate of episode <paramref name="episode"/> (0-based) under the options' schedule.</summary>
    public static double LearningRateAt(PrototypicalTrainerOptions o, int episode) => o.LrSchedule switch
    {
        LearningRateSchedule.Cosine => o.LearningRate * 0.5 * (1 + Math.Cos(Math.PI * Math.Min(episode, o.Episodes) / o.Episodes)),
        _ => o.LearningRate * Math.Pow(o.LrGamma, episode / o.LrStepEpisodes),
    };

    public TrainingResult Execute(CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        if (_paths is { } paths && _options.Resume && File.Exists(paths.Checkpoint))
        {
            TrainingCheckpoint.Load(paths.Checkpoint, _options.ToRecipeString(), Identity, _state, Network, _optimizer);
            _savedEpisode = _state.Episode;
        }

        int start = _state.Episode;
        try
        {
            Network.train();
            while (_state.Episode < _options.Episodes && !_state.StoppedEarly)
            {
                if (cancellationToken.IsCancellationRequested)
                {
                    SaveCheckpoint();
                    cancellationToken.ThrowIfCancellationRequested();
                }

                RunEpisode(clock, start);
            }

            SaveCheckpoint();
            if (_state.BestWeights is { } best)
            {
                Network.load_state_dict(best);
            }
        }
        finally
        {
            Network.eval();
            _embedder.NotifyWeightsChanged(); // the best weights or a resumed checkpoint may have been loaded
        }

        return new TrainingResult(
            _state.Episode,
            start,
            _recent.Count == 0 ? double.NaN : _recent.Average(r => r.Loss),
            _recent.Count == 0 ? double.NaN : _recent.Average(r => r.Accuracy),
            _state.BestLoss,
            _state.BestAccuracy,
            _state.BestEpisode,
            _state.StoppedEarly,
            clock.Elapsed);
    }

    public void Dispose()
    {
        _optimizer.Dispose();
        _state.Dispose();
    }

    private void RunEpisode(Stopwatch clock, int start)
    {
        int e = _state.Episode;
        double lr = LearningRateAt(_options, e);
        foreach (var group in _optimizer.ParamGroups)
        {
            group.LearningRate = lr;
        }

        var (loss, accuracy) = Step(e);
        _state.Episode = e + 1;
        _recent.Enqueue((loss, accuracy));
        if (_recent.Count > MeanWindow)
        {
            _recent.Dequeue();
        }

        double? validationLoss = null, validationAccuracy = null;
        bool validated = false;
        if (_validationSampler is not null && (_state.Episode % _options.ValidationInterval == 0 || _state.Episode == _options.Episodes))
        {
            (validationLoss, validationAccuracy) = Validate(_validationSampler);
            UpdateBest(validationLoss.Value, validationAccuracy.Value);
            validated = true;
        }

        if (validated || _state.Episode % _options.CheckpointInterval == 0)
        {
            SaveCheckpoint();
        }

        if (_progress is not null)
        {
            var elapsed = clock.Elapsed;
            int done = _state.Episode - start;
            var eta = TimeSpan.FromTicks(elapsed.Ticks / done * (_options.Episodes - _state.Episode));
            _progress.Report(new TrainingProgress(_state.Episode, _options.Episodes, loss, accuracy, lr, elapsed, eta, validationLoss, validationAccuracy));
        }
    }

    private (double Loss, double Accuracy) Step(int episode)
    {
        using var scope = NewDisposeScope();
        using var batch = SamplerFor(episode).Sample(_options.Seed, episode);
        // Open-set episodes draw OpenSetWay extra classes after the known ones; their supports are never used.
        int supportCount = _options.Way * _options.Shot;
        var supportLabels = batch.SupportLabels.narrow(0, 0, supportCount);
        var images = cat(new[] { batch.Support.narrow(0, 0, supportCount), batch.Query }, 0);
        if (_options.Augmentation is { IsIdentity: false } augmentation)
        {
            // Its own generator per episode (negative indices: validation episodes use ~Seed with 0, 1, ...), so a resumed
            // run draws the same distortions.
            using var generator = EpisodeSampler.CreateGenerator(~_options.Seed, -1L - episode);
            images = AffineAugmentation.Apply(images, augmentation, generator);
        }

        var embeddings = _embedder.Forward(images.to(_embedder.Device));
        var support = embeddings.narrow(0, 0, supportCount);
        var query = embeddings.narrow(0, supportCount, embeddings.shape[0] - supportCount);
        int way = _options.Way;
        if (_options.Loss == EpisodeLoss.Nca)
        {
            // Every image of the episode is an anchor against all the others; the prototypes only measure accuracy.
            var nca = PrototypicalLoss.Nca(embeddings, cat(new[] { supportLabels, batch.QueryLabels }, 0), _options.Metric, _options.Temperature);
            double accuracy;
            using (no_grad())
            {
                using var measured = PrototypicalLoss.Compute(support, supportLabels, query, batch.QueryLabels, way, _options.Metric, _options.Temperature);
                accuracy = measured.Accuracy;
            }

            return Update(nca, accuracy);
        }

        if (_options.OpenSetWay == 0)
        {
            using var plain = PrototypicalLoss.Compute(support, supportLabels, query, batch.QueryLabels, way, _options.Metric, _options.Temperature);
            return Update(plain.Loss, plain.Accuracy);
        }

        // Labels way.. are the unknown classes: classes come one after the other, so the known ones are a prefix of
        // the support and of the queries.
        // One set of prototypes and one distance computation serve both terms.
        int knownQueries = way * _options.Query;
        var knownLabels = batch.QueryLabels.narrow(0, 0, knownQueries);
        var prototypes = PrototypicalLoss.Prototypes(support, supportLabels, way);
        var logits = PrototypicalLoss.Logits(query, prototypes, _options.Metric, _options.Temperature);
        var knownLogits = logits.narrow(0, 0, knownQueries);
        using var known = PrototypicalLoss.FromLogits(knownLogits, knownLabels);
        var openSet = PrototypicalLoss.OpenSetMargin(knownLogits, knownLabels, logits.narrow(0, knownQueries, logits.shape[0] - knownQueries));
        using var weight = _options.OpenSetWeight.ToScalar();
        return Update(known.Loss + (openSet * weight), known.Accuracy);
    }

    private (double Loss, double Accuracy) Update(Tensor loss, double accuracy)
    {
        _optimizer.zero_grad();
        loss.backward();
        _optimizer.step();
        _embedder.NotifyWeightsChanged();
        return (loss.item<float>(), accuracy);
    }

    // Whether episode e is drawn within one group comes from its own generator, (Seed, -1 - e): sampling uses (Seed, e),
    // validation (~Seed, i) and augmentation (~Seed, -1 - e), so a fraction of 0 leaves every other draw unchanged.
    private EpisodeSampler SamplerFor(int episode) =>
        _groupSampler is not null && EpisodeSampler.CreateRandom(_options.Seed, -1L - episode).NextDouble() < _options.WithinGroupFraction
            ? _groupSampler
            : _sampler;

    private (double Loss, double Accuracy) Validate(EpisodeSampler sampler)
    {
        Network.eval();
        try
        {
            double loss = 0, accuracy = 0;
            int episodes = _options.ValidationEpisodes;
            for (int i = 0; i < episodes; i++)
            {
                using var scope = NewDisposeScope();
                using var inference = inference_mode();

                // The complement of the seed gives validation episodes unrelated to the training ones, the same every time.
                using var batch = sampler.Sample(~_options.Seed, i);
                int supportCount = (int)batch.Support.shape[0];
                var embeddings = _embedder.Forward(cat(new[] { batch.Support, batch.Query }, 0).to(_embedder.Device));
                using var result = PrototypicalLoss.Compute(
                    embeddings.narrow(0, 0, supportCount),
                    batch.SupportLabels,
                    embeddings.narrow(0, supportCount, embeddings.shape[0] - supportCount),
                    batch.QueryLabels,
                    batch.Way,
                    _options.Metric,
                    _options.Temperature);
                loss += result.Loss.item<float>();
                accuracy += result.Accuracy;
            }

            return (loss / episodes, accuracy / episodes);
        }
        finally
        {
            Network.train();
        }
    }

    private void UpdateBest(double loss, double accuracy)
    {
        if (_state.BestLoss is null || loss < _state.BestLoss.Value)
        {
            _state.BestLoss = loss;
            _state.BestAccuracy = accuracy;
            _state.BestEpisode = _state.Episode;
            _state.StaleValidations = 0;
            _state.KeepBest(Network);
            if (_paths is { } paths)
            {
                TrainingCheckpoint.SaveWeights(paths.BestWeights, _state.BestWeights!);
            }
        }
        else
        {
            _state.StaleValidations++;
            if (_options.Patience is int patience && _state.StaleValidations >= patience)
            {
                _state.StoppedEarly = true;
            }
        }
    }

    private void SaveCheckpoint()
    {
        if (_paths is { } paths && _savedEpisode != _state.Episode)
        {
            TrainingCheckpoint.Save(paths.Checkpoint, _options.ToRecipeString(), Identity, _state, Network, _optimizer);
            _savedEpisode = _state.Episode;
        }
    }
}
