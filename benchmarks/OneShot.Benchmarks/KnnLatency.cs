using System.Diagnostics;
using OneShot.Classification;
using static TorchSharp.torch;

namespace OneShot.Benchmarks;

/// <summary>
/// <c>knn-latency [--count N] [--dim D] [--queries Q]</c>: single-query latency of the in-process k-nearest-neighbour and
/// prototype classifiers (the file gallery's engine) over N random support embeddings in N/100 classes, with the
/// same brute-force distance pass timed alone as the floor (one <c>[1,D] x [D,N]</c> product).
/// </summary>
internal static class KnnLatency
{
    public static int Run(int count, int dim, int queries, TextWriter output)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 100);
        manual_seed(1);
        using var support = randn(count, dim);
        var labels = Enumerable.Range(0, count).Select(i => "id" + (i % (count / 100))).ToArray();
        output.WriteLine($"knn-latency: {count:N0} x d={dim}, {count / 100:N0} classes, {queries} queries; {Environment.ProcessorCount} cores, RSS {Environment.WorkingSet / 1e6:F0} MB");
        using var knn = new KNearestNeighborOptions { K = 10 }.CreateClassifier().Fit(support, labels);
        using var prototype = new PrototypeClassifierOptions().CreateClassifier().Fit(support, labels);
        var probes = Enumerable.Range(0, queries + 1).Select(_ => randn(1, dim)).ToArray();
        try
        {
            double floor = Median(probes, q =>
            {
                using var scope = NewDisposeScope();
                _ = q.mm(support.t()).argmin().item<long>();
            });
            double k = Median(probes, q => knn.Predict(q));
            double p = Median(probes, q => prototype.Predict(q));
            output.WriteLine($"k-NN k=10: p50 {k:F1} ms; prototype: p50 {p:F1} ms; the bare distance pass (q x S^T, argmin): p50 {floor:F1} ms; k-NN / bare pass = {k / floor:F2}");
            output.WriteLine($"RSS at the end {Environment.WorkingSet / 1e6:F0} MB");
            return 0;
        }
        finally
        {
            foreach (var probe in probes)
            {
                probe.Dispose();
            }
        }
    }

    private static double Median(Tensor[] probes, Action<Tensor> run)
    {
        run(probes[0]);
        var times = probes.Skip(1).Select(q =>
        {
            var clock = Stopwatch.StartNew();
            run(q);
            return clock.Elapsed.TotalMilliseconds;
        }).Order().ToArray();
        return times[times.Length / 2];
    }
}
