namespace OneShot.Training;

/// <summary>How a trainer's learning rate changes over the episodes of a run.</summary>
public enum LearningRateSchedule
{
    /// <summary>Multiplied by a factor (for example 0.5) every fixed number of episodes.</summary>
    Step,

    /// <summary>
    /// Cosine annealing (Loshchilov &amp; Hutter 2017) from the initial rate at episode 0 to 0 after the last
    /// episode: <c>lr · (1 + cos(π · e / episodes)) / 2</c>.
    /// </summary>
    Cosine,
}
