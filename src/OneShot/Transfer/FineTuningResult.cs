namespace OneShot.Transfer;

/// <summary>What a fine-tuning run did.</summary>
/// <param name="HeadStepsRun">Steps run in phase 1.</param>
/// <param name="FineTuneStepsRun">Steps run in phase 2.</param>
/// <param name="HeldOutExamples">Support examples held out for validation (0 when every example was trained on).</param>
/// <param name="BestValidationLoss">The lowest held-out loss, whose weights were kept; null without a held-out set.</param>
/// <param name="BestValidationAccuracy">The held-out accuracy of the kept weights; null without a held-out set.</param>
/// <param name="BestPhase">The phase the kept weights come from; null without a held-out set (the last weights are kept).</param>
/// <param name="StoppedEarly">Whether a phase ended early because the held-out loss stopped improving.</param>
public sealed record FineTuningResult(
    int HeadStepsRun,
    int FineTuneStepsRun,
    int HeldOutExamples,
    double? BestValidationLoss,
    double? BestValidationAccuracy,
    FineTuningPhase? BestPhase,
    bool StoppedEarly);
