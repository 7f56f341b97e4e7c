using System.Runtime.ExceptionServices;

namespace OneShot.Data;

/// <summary>
/// Runs independent decode jobs in parallel with a bounded degree and rethrows the failure of the lowest index,
/// so the error a caller sees does not depend on thread timing.
/// </summary>
internal static class ParallelDecode
{
    /// <summary>The default bound: all processors.</summary>
    public static int DefaultDegree => Environment.ProcessorCount;

    /// <summary>Runs <paramref name="body"/> for 0..<paramref name="count"/>-1 on up to <paramref name="degree"/> threads.</summary>
    public static void For(int count, Action<int> body, int degree = 0, CancellationToken cancellationToken = default)
    {
        if (count == 0)
        {
            return;
        }

        if (count == 1 || degree == 1)
        {
            // Nothing to share out: run in order on the calling thread (the first failure is the lowest index).
            for (int i = 0; i < count; i++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                body(i);
            }

            return;
        }

        var failures = new Exception?[count];
        int failed = 0;
        var options = new ParallelOptions
        {
            MaxDegreeOfParallelism = degree > 0 ? degree : DefaultDegree,
            CancellationToken = cancellationToken,
        };
        Parallel.For(0, count, options, (i, state) =>
        {
            try
            {
                body(i);
            }
            catch (Exception ex)
            {
                failures[i] = ex;
                Interlocked.Exchange(ref failed, 1);
                state.Break(); // iterations below i still run, so the first failure in index order is found
            }
        });
        if (Volatile.Read(ref failed) != 0)
        {
            ExceptionDispatchInfo.Throw(failures.First(f => f is not null)!);
        }
    }
}
