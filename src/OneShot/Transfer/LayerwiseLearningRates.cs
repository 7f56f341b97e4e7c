using OneShot.Embeddings;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace OneShot.Transfer;

/// <summary>
/// Discriminative (layer-wise) learning rates for fine-tuning: the head learns at <see cref="HeadLearningRate"/>,
/// the last backbone stage at <c>HeadLearningRate × Decay</c>, the stage before at <c>HeadLearningRate × Decay²</c>,
/// and so on towards the input.
/// </summary>
/// <remarks>
/// Only trainable parameters are grouped (see <see cref="Freezing"/>), so frozen parameters are never stepped.
/// Parameters outside every stage (for example a stem before the first stage) learn at the rate of the first stage.
/// Groups without trainable parameters are left out.
/// </remarks>
public sealed record LayerwiseLearningRates
{
    private readonly double _headLearningRate = 1e-3;
    private readonly double _decay = 0.5;
    private readonly double _weightDecay;

    /// <summary>The learning rate of the head (positive, finite). Default 1e-3.</summary>
    public double HeadLearningRate
    {
        get => _headLearningRate;
        init => _headLearningRate = double.IsFinite(value) && value > 0
            ? value
            : throw new ArgumentOutOfRangeException(nameof(HeadLearningRate), value, "HeadLearningRate must be a positive finite number.");
    }

    /// <summary>The factor between the rates of neighbouring stages, in (0, 1]. Default 0.5.</summary>
    public double Decay
    {
        get => _decay;
        init => _decay = value > 0 && value <= 1
            ? value
            : throw new ArgumentOutOfRangeException(nameof(Decay), value, "Decay must be in (0, 1].");
    }

    /// <summary>The L2 weight decay of every group (finite, not negative). Default 0.</summary>
    public double WeightDecay
    {
        get => _weightDecay;
        init => _weightDecay = double.IsFinite(value) && value >= 0
            ? value
            : throw new ArgumentOutOfRangeException(nameof(WeightDecay), value, "WeightDecay must be finite and not negative.");
    }

    /// <summary>The learning rate of stage <paramref name="stage"/> of <paramref name="stageCount"/> (0 = nearest the input).</summary>
    public double StageLearningRate(int stage, int stageCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(stage);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(stage, stageCount);
        return HeadLearningRate * Math.Pow(Decay, stageCount - stage);
    }

    /// <summary>The parameter groups for <paramref name="embedder"/>'s trainable parameters and an optional head.</summary>
    /// <param name="embedder">The embedder whose backbone stages set the groups.</param>
    /// <param name="head">An optional head module; its trainable parameters form the <c>head</c> group.</param>
    /// <returns>The head group first, then the stages from the output towards the input, then <c>other</c>.</returns>
    public IReadOnlyList<LearningRateGroup> Groups(Embedder embedder, nn.Module? head = null) =>
        Build(embedder, head).Select(g => g.Group).ToArray();

    /// <summary>An Adam optimizer with one parameter group per <see cref="Groups"/> entry, in the same order.</summary>
    /// <exception cref="ArgumentException">No parameter is trainable.</exception>
    public Adam CreateAdam(Embedder embedder, nn.Module? head = null)
    {
        var groups = Build(embedder, head);
        return optim.Adam(groups.Select(g => new Adam.ParamGroup(g.Parameters, lr: g.Group.LearningRate, weight_decay: WeightDecay)), lr: HeadLearningRate);
    }

    /// <summary>An SGD optimizer (with momentum) with one parameter group per <see cref="Groups"/> entry, in the same order.</summary>
    /// <exception cref="ArgumentException">No parameter is trainable.</exception>
    public SGD CreateSgd(Embedder embedder, nn.Module? head = null, double momentum = 0.9)
    {
        if (!double.IsFinite(momentum) || momentum < 0 || momentum >= 1)
        {
            throw new ArgumentOutOfRangeException(nameof(momentum), momentum, "Momentum must be in [0, 1).");
        }

        var groups = Build(embedder, head);
        return optim.SGD(
            groups.Select(g => new SGD.ParamGroup(g.Parameters, lr: g.Group.LearningRate, momentum: momentum, weight_decay: WeightDecay)),
            learningRate: HeadLearningRate);
    }

    private List<(LearningRateGroup Group, List<Parameter> Parameters)> Build(Embedder embedder, nn.Module? head)
    {
        ArgumentNullException.ThrowIfNull(embedder);
        var stages = embedder.Options.Backbone.Stages;
        var result = new List<(LearningRateGroup, List<Parameter>)>();
        if (head is not null)
        {
            var trainable = head.named_parameters().Where(p => p.parameter.requires_grad).ToList();
            Add(result, "head", HeadLearningRate, trainable.Select(p => ("head." + p.name, p.parameter)));
        }

        var body = embedder.Network.named_parameters().Where(p => p.parameter.requires_grad)
            .Select(p => (p.name, p.parameter, Stage: Freezing.StageOf(stages, p.name))).ToList();
        for (int s = stages.Count - 1; s >= 0; s--)
        {
            Add(result, stages[s], StageLearningRate(s, stages.Count), body.Where(p => p.Stage == s).Select(p => (p.name, p.parameter)));
        }

        Add(result, "other", HeadLearningRate * Math.Pow(Decay, Math.Max(stages.Count, 1)), body.Where(p => p.Stage is null).Select(p => (p.name, p.parameter)));
        if (result.Count == 0)
        {
            throw new ArgumentException(
                $"Found no trainable parameter in the {embedder.Architecture} embedder{(head is null ? string.Empty : " or the head")}; unfreeze some (see Freezing) before building an optimizer.",
                nameof(embedder));
        }

        return result;
    }

    private static void Add(List<(LearningRateGroup, List<Parameter>)> result, string name, double lr, IEnumerable<(string Name, Parameter Parameter)> members)
    {
        var list = members.ToList();
        if (list.Count > 0)
        {
            result.Add((new LearningRateGroup(name, lr, list.Select(m => m.Name).ToArray()), list.Select(m => m.Parameter).ToList()));
        }
    }
}
