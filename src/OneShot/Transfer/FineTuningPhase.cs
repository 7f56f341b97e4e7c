namespace OneShot.Transfer;

/// <summary>The phases of <see cref="FineTuner"/>.</summary>
public enum FineTuningPhase
{
    /// <summary>Phase 1: only the new head trains; the body is frozen.</summary>
    Head = 0,

    /// <summary>Phase 2: the head and the last unfrozen stages train with layer-wise learning rates.</summary>
    Body = 1,
}
