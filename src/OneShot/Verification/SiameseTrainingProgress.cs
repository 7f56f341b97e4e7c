namespace OneShot.Verification;

/// <summary>Where a Siamese training run is, reported after every step.</summary>
/// <param name="Step">Steps completed (1-based).</param>
/// <param name="TotalSteps">The planned number of steps.</param>
/// <param name="Loss">The loss of the step just run.</param>
/// <param name="Elapsed">Wall time since training started.</param>
public sealed record SiameseTrainingProgress(int Step, int TotalSteps, double Loss, TimeSpan Elapsed);
