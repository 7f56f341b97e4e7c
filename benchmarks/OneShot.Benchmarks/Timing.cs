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

    /// <summary>
    /// Seconds per call of each action, measured side by side: one warm-up call each, then <paramref name="repeats"/>
    /// rounds that call every action once in turn, so drift in the machine's speed hits all of them alike.
    /// </summary>
    public static double[] Interleaved(int repeats, bool warmUp, params Action[] actions)
    {
        if (warmUp)
        {
            foreach (var action in actions)
            {
                action();
            }
        }

        var times = actions.Select(_ => new double[repeats]).ToArray();
        for (int r = 0; r < repeats; r++)
        {
            for (int a = 0; a < actions.Length; a++)
            {
                var clock = Stopwatch.StartNew();
                actions[a]();
                times[a][r] = clock.Elapsed.TotalSeconds;
            }
        }

        return [.. times.Select(MedianOf)];
    }

    /// <summary>The median of <paramref name="values"/> (upper median for even counts).</summary>
    public static double MedianOf(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted[sorted.Length / 2];
    }
}
