namespace OneShot.Training;

/// <summary>The outcome of a training run.</summary>
/// <param name="EpisodesRun">Episodes completed in total, counting those of a resumed checkpoint.</param>
/// <param name="StartEpisode">The episode this call started from: 0, or the episode of the checkpoint it resumed.</param>
/// <param name="MeanLoss">The mean training loss over the last (up to) 100 episodes of this call; NaN when none ran.</param>
/// <param name="MeanAccuracy">The mean training accuracy over the same episodes; NaN when none ran.</param>
/// <param name="BestValidationLoss">The lowest mean validation loss, or null without validation.</param>
/// <param name="BestValidationAccuracy">The validation accuracy at that point, or null.</param>
/// <param name="BestEpisode">The episode whose weights gave the best validation loss (they are in the network now), or null.</param>
/// <param name="StoppedEarly">True when the patience ran out before <see cref="PrototypicalTrainerOptions.Episodes"/>.</param>
/// <param name="WallTime">Wall time of this call.</param>
public sealed record TrainingResult(
    int EpisodesRun,
    int StartEpisode,
    double MeanLoss,
    double MeanAccuracy,
    double? BestValidationLoss,
    double? BestValidationAccuracy,
    int? BestEpisode,
    bool StoppedEarly,
    TimeSpan WallTime);
