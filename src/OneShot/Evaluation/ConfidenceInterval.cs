namespace OneShot.Evaluation;

/// <summary>
/// The mean of a sample with its 95% confidence half-width by the normal approximation,
/// <c>1.96·sd/√n</c>, where sd is the sample standard deviation (divisor n−1).
/// </summary>
/// <param name="Mean">The sample mean.</param>
/// <param name="HalfWidth95">1.96·sd/√n; NaN for a sample of one.</param>
/// <param name="StandardDeviation">The sample standard deviation (divisor n−1); NaN for a sample of one.</param>
/// <param name="Count">The sample size n.</param>
/// <remarks>
/// Few-shot papers report accuracy over E episodes as mean ± 1.96·sd/√E. The sample (n−1) standard deviation is used,
/// as <c>torch.std</c> and <c>numpy.std(ddof=1)</c> compute it; for E = 1,000 it differs from the population value by 0.05%.
/// </remarks>
public readonly record struct ConfidenceInterval(double Mean, double HalfWidth95, double StandardDeviation, int Count)
{
    /// <summary>The z value of a two-sided 95% interval.</summary>
    public const double Z95 = 1.96;

    /// <summary>Computes the mean and 95% half-width of <paramref name="values"/>.</summary>
    /// <exception cref="ArgumentException"><paramref name="values"/> is empty or holds a non-finite value.</exception>
    public static ConfidenceInterval Compute(IReadOnlyList<double> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        int n = values.Count;
        if (n == 0)
        {
            throw new ArgumentException("A confidence interval needs at least one value; got none.", nameof(values));
        }

        double sum = 0;
        for (int i = 0; i < n; i++)
        {
            if (!double.IsFinite(values[i]))
            {
                throw new ArgumentException($"Value {i} is {values[i]}; expected finite values.", nameof(values));
            }

            sum += values[i];
        }

        double mean = sum / n;
        if (n == 1)
        {
            return new ConfidenceInterval(mean, double.NaN, double.NaN, 1);
        }

        double squares = 0;
        for (int i = 0; i < n; i++)
        {
            double d = values[i] - mean;
            squares += d * d;
        }

        double sd = Math.Sqrt(squares / (n - 1));
        return new ConfidenceInterval(mean, Z95 * sd / Math.Sqrt(n), sd, n);
    }
}
