using System.Diagnostics;

namespace OneShot.Benchmarks;

/// <summary>Wall-clock helpers: one warm-up call, then the median of several timed calls.</summary>
internal static class Timing
{
    /// <summary>Seconds per call of <paramref name="action"/>: the median of <paramref name="repeats"/> calls after one warm-up.</summary>
    public static double Median(Action action, int repeats, bool warmUp = true)
    {
        if (warmUp)
        {
            action();
        }

        var times = new double[repeats];
        for (int i = 0; i < repeats; i++)
        {
            var clock = Stopwatch.StartNew();
            action();
            times[i] = clock.Elapsed.TotalSeconds;
        }

        return MedianOf(times);
    }

    /// <summary>The median of <paramref name="values"/> (upper median for even counts).</summary>
    public static double MedianOf(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted[sorted.Length / 2];
    }
}
