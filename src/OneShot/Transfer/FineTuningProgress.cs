namespace OneShot.Transfer;

/// <summary>Where a fine-tuning run is, reported after every step.</summary>
/// <param name="Phase">The phase of the step.</param>
/// <param name="Step">Steps completed in this phase (1-based).</param>
/// <param name="PhaseSteps">The planned steps of this phase.</param>
/// <param name="Loss">The cross-entropy of the step's batch.</param>
/// <param name="Accuracy">The accuracy on the step's batch, 0..1.</param>
/// <param name="ValidationLoss">The held-out loss when a validation ran after this step, otherwise null.</param>
/// <param name="ValidationAccuracy">The held-out accuracy when a validation ran after this step, otherwise null.</param>
public sealed record FineTuningProgress(
    FineTuningPhase Phase,
    int Step,
    int PhaseSteps,
    double Loss,
    double Accuracy,
    double? ValidationLoss = null,
    double? ValidationAccuracy = null);
