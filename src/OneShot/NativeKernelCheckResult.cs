namespace OneShot;

/// <summary>The outcome of <see cref="NativeKernelCheck.Run(int)"/>.</summary>
public sealed class NativeKernelCheckResult
{
    /// <summary>Creates a result.</summary>
    /// <param name="hostSignature">The host it ran on (<see cref="NativeKernelCheck.HostSignature"/>).</param>
    /// <param name="oneDnnIsa">The oneDNN instruction set the process ran with (<c>ALL</c> when uncapped).</param>
    /// <param name="cases">How many convolutions were compared (cases times repetitions).</param>
    /// <param name="failures">One line per case that was wrong and that OneShot's networks run (these keep the cap).</param>
    /// <param name="outsideNetworkFailures">One line per wrong convolution of a shape OneShot's networks never run.</param>
    /// <param name="worstRelativeError">The largest error of all, relative to the float64 result's largest magnitude (NaN when a result was NaN).</param>
    /// <param name="checkedAt">When the check ran.</param>
    public NativeKernelCheckResult(string hostSignature, string oneDnnIsa, int cases, IReadOnlyList<string> failures, IReadOnlyList<string> outsideNetworkFailures, double worstRelativeError, DateTimeOffset checkedAt)
    {
        ArgumentNullException.ThrowIfNull(hostSignature);
        ArgumentNullException.ThrowIfNull(oneDnnIsa);
        ArgumentNullException.ThrowIfNull(failures);
        ArgumentNullException.ThrowIfNull(outsideNetworkFailures);
        HostSignature = hostSignature;
        OneDnnIsa = oneDnnIsa;
        Cases = cases;
        Failures = failures;
        OutsideNetworkFailures = outsideNetworkFailures;
        WorstRelativeError = worstRelativeError;
        CheckedAt = checkedAt;
    }

    /// <summary>The host it ran on.</summary>
    public string HostSignature { get; }

    /// <summary>The oneDNN instruction set the process ran with (<c>ALL</c> when uncapped).</summary>
    public string OneDnnIsa { get; }

    /// <summary>How many convolutions were compared (cases times repetitions).</summary>
    public int Cases { get; }

    /// <summary>
    /// One line per case that was wrong and that OneShot runs (a whole network, or a convolution of a shape its
    /// networks use); empty when all were right. Any of these keeps oneDNN capped.
    /// </summary>
    public IReadOnlyList<string> Failures { get; }

    /// <summary>
    /// One line per wrong convolution of a shape OneShot's networks never run (reported, but it does not keep the
    /// cap); empty when there was none.
    /// </summary>
    public IReadOnlyList<string> OutsideNetworkFailures { get; }

    /// <summary>The largest error of all, relative to the float64 result's largest magnitude (NaN when a result was NaN).</summary>
    public double WorstRelativeError { get; }

    /// <summary>When the check ran.</summary>
    public DateTimeOffset CheckedAt { get; }

    /// <summary>True when every case OneShot runs was right (<see cref="Failures"/> is empty) and the check ran.</summary>
    public bool Passed => Failures.Count == 0 && Cases > 0;
}
