using TorchSharp;
using static TorchSharp.torch;

namespace OneShot.Transfer;

/// <summary>
/// The episodic loop both projection trainers share (<see cref="ProjectionTrainer"/> on cached embeddings,
/// <see cref="TunedTailTrainer"/> on cached feature maps): each epoch visits the classes in a random order, B at a time;
/// each episode pairs two different rows of each of its B classes and minimises the symmetric cross-entropy of every
/// row finding its partner by scaled cosine similarity (a B-way 1-shot episode in both directions); validation rank-1
/// chooses the epoch that is kept.
/// </summary>
internal static class PairedEpisodes
{
    /// <summary>The rows of each class that has two or more, in order of first appearance.</summary>
    /// <exception cref="ArgumentException">Fewer than two classes have two rows.</exception>
    public static int[][] RowsByClass(IReadOnlyList<int> classes)
    {
        var byClass = classes.Select((c, row) => (c, row)).GroupBy(p => p.c).Where(g => g.Count() >= 2).Select(g => g.Select(p => p.row).ToArray()).ToArray();
        if (byClass.Length < 2)
        {
            throw new ArgumentException("Training needs at least two classes with two or more examples each.", nameof(classes));
        }

        return byClass;
    }

    /// <summary>
    /// Runs <see cref="ProjectionTrainingOptions.Epochs"/> epochs of episodes and returns the snapshot of the epoch with
    /// the best validation rank-1 (the last epoch without validation; epoch 0, the untrained start, when no epoch beat
    /// it), with every validation.
    /// </summary>
    /// <param name="byClass">From <see cref="RowsByClass"/>.</param>
    /// <param name="options">Epochs, classes per episode, seed and how often to validate.</param>
    /// <param name="embedPairs">Embeds the anchor rows and their partner rows (L2-normalised, recording gradients): <c>(left, right)</c>, both <c>[B, D]</c>.</param>
    /// <param name="logScale">The learned log of the similarity scale.</param>
    /// <param name="optimizers">Stepped after every episode's backward pass.</param>
    /// <param name="validate">The validation rank-1 of the current parameters; null without validation.</param>
    /// <param name="snapshot">Copies what the result keeps of the current parameters.</param>
    /// <param name="progress">Receives each validation.</param>
    public static (T Best, int BestEpoch, List<ProjectionValidation> History) Train<T>(
        int[][] byClass,
        ProjectionTrainingOptions options,
        Func<long[], long[], (Tensor Left, Tensor Right)> embedPairs,
        Tensor logScale,
        IReadOnlyList<optim.Optimizer> optimizers,
        Func<double>? validate,
        Func<T> snapshot,
        IProgress<ProjectionValidation>? progress)
    {
        var generator = new Random(options.Seed);
        var history = new List<ProjectionValidation>();
        T best = snapshot();
        int bestEpoch = 0;
        double bestRank1 = double.NegativeInfinity;
        if (validate is not null)
        {
            double rank1 = validate();
            var record = new ProjectionValidation(0, double.NaN, rank1);
            history.Add(record);
            progress?.Report(record);
            bestRank1 = rank1;
        }

        int b = Math.Min(options.ClassesPerEpisode, byClass.Length);
        for (int epoch = 1; epoch <= options.Epochs; epoch++)
        {
            var order = Enumerable.Range(0, byClass.Length).OrderBy(_ => generator.Next()).ToArray();
            double lossSum = 0;
            int steps = 0;
            for (int start = 0; start + 2 <= order.Length; start += b)
            {
                int count = Math.Min(b, order.Length - start);
                var a = new long[count];
                var p = new long[count];
                for (int i = 0; i < count; i++)
                {
                    var rows = byClass[order[start + i]];
                    int j = generator.Next(rows.Length), k = generator.Next(rows.Length - 1);
                    a[i] = rows[j];
                    p[i] = rows[k >= j ? k + 1 : k];
                }

                using var scope = NewDisposeScope();
                var (left, right) = embedPairs(a, p);
                var logits = left.matmul(right.t()) * logScale.exp();
                using var countScalar = count.ToScalar();
                using var half = 0.5.ToScalar();
                var target = arange(TorchScalars.Zero, countScalar, TorchScalars.One, ScalarType.Int64, left.device);
                var loss = (nn.functional.cross_entropy(logits, target) + nn.functional.cross_entropy(logits.t(), target)).mul(half);
                foreach (var optimizer in optimizers)
                {
                    optimizer.zero_grad();
                }

                loss.backward();
                foreach (var optimizer in optimizers)
                {
                    optimizer.step();
                }

                lossSum += loss.item<float>();
                steps++;
            }

            bool last = epoch == options.Epochs;
            if (validate is not null && (epoch % Math.Max(1, options.ValidateEvery) == 0 || last))
            {
                double rank1 = validate();
                var record = new ProjectionValidation(epoch, lossSum / Math.Max(1, steps), rank1);
                history.Add(record);
                progress?.Report(record);
                if (rank1 > bestRank1)
                {
                    bestRank1 = rank1;
                    bestEpoch = epoch;
                    best = snapshot();
                }
            }
            else if (validate is null && last)
            {
                bestEpoch = epoch;
                best = snapshot();
            }
        }

        return (best, bestEpoch, history);
    }
}
