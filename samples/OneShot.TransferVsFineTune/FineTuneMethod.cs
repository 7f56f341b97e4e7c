using OneShot.Embeddings;
using OneShot.Transfer;
using static TorchSharp.torch;

namespace OneShot.TransferVsFineTune;

/// <summary>
/// Fine-tuning: a copy of the pretrained embedder gets a new head for the task's classes; the head trains first with the
/// body frozen, then the last stage is unfrozen and trains at a lower learning rate, stopping early on held-out support.
/// </summary>
internal sealed class FineTuneMethod(Embedder pretrained, FineTuningOptions options) : IComparedMethod
{
    public string Name => "(c) fine-tuned";

    public string Idea => $"fine-tuning: new head {options.HeadSteps} steps on a frozen body, then last {options.UnfrozenStages} stage(s) unfrozen {options.FineTuneSteps} steps at lower rates";

    public IReadOnlyList<string> Predict(Tensor support, IReadOnlyList<string> supportLabels, Tensor queries)
    {
        using var fitted = new FineTuner(options).Fit(pretrained, support, supportLabels);
        return [.. fitted.Predict(queries).Select(p => p.Label)];
    }

    public void Dispose()
    {
    }
}
