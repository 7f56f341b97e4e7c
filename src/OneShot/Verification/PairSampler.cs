using System.Globalization;
using OneShot.Data;
using OneShot.Training;
using static TorchSharp.torch;

namespace OneShot.Verification;

/// <summary>
/// Samples balanced batches of image pairs from an <see cref="IClassDataset"/> for Siamese training and
/// verification: pairs 0, 2, 4, ... are "same" (two distinct items of one class), pairs 1, 3, 5, ... are
/// "different" (one item each of two distinct classes).
/// </summary>
/// <remarks>
/// "Same" pairs come from classes with at least two items; "different" pairs from any two classes with items.
/// Sampling is deterministic for a seed: <see cref="Sample(int, long, int)"/> derives the generator from
/// (seed, batch) as <see cref="EpisodeSampler"/> does, so any batch can be reproduced on its own.
/// </remarks>
public sealed class PairSampler
{
    private readonly int[] _sameEligible;
    private readonly int[] _nonEmpty;

    /// <summary>Creates a sampler and checks that both kinds of pairs are possible on <paramref name="dataset"/>.</summary>
    /// <exception cref="ArgumentException">The dataset has fewer than two non-empty classes, or no class with two items.</exception>
    public PairSampler(IClassDataset dataset)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        Dataset = dataset;
        var same = new List<int>();
        var nonEmpty = new List<int>();
        for (int c = 0; c < dataset.Classes.Count; c++)
        {
            int n = dataset.CountOf(c);
            if (n >= 1)
            {
                nonEmpty.Add(c);
            }

            if (n >= 2)
            {
                same.Add(c);
            }
        }

        if (nonEmpty.Count < 2)
        {
            throw new ArgumentException(
                string.Format(CultureInfo.InvariantCulture, "Pairs of different classes need at least 2 classes with items; the dataset has {0} ({1} classes in all).", nonEmpty.Count, dataset.Classes.Count),
                nameof(dataset));
        }

        if (same.Count == 0)
        {
            throw new ArgumentException(
                string.Format(CultureInfo.InvariantCulture, "Pairs of the same class need a class with at least 2 items; none of the dataset's {0} classes has more than 1.", dataset.Classes.Count),
                nameof(dataset));
        }

        _sameEligible = [.. same];
        _nonEmpty = [.. nonEmpty];
    }

    /// <summary>The dataset pairs are drawn from.</summary>
    public IClassDataset Dataset { get; }

    /// <summary>Samples batch number <paramref name="batch"/> of <paramref name="pairs"/> pairs of the sequence fixed by <paramref name="seed"/>.</summary>
    /// <param name="seed">The sequence.</param>
    /// <param name="batch">The batch index within the sequence.</param>
    /// <param name="pairs">Pairs in the batch, at least 1; ceil(P/2) are "same", floor(P/2) "different".</param>
    public PairBatch Sample(int seed, long batch, int pairs) => Sample(EpisodeSampler.CreateRandom(seed, batch), pairs);

    /// <summary>Samples <paramref name="pairs"/> pairs with <paramref name="random"/> and loads their images.</summary>
    public PairBatch Sample(Random random, int pairs)
    {
        ArgumentNullException.ThrowIfNull(random);
        ArgumentOutOfRangeException.ThrowIfLessThan(pairs, 1);
        var leftClasses = new int[pairs];
        var rightClasses = new int[pairs];
        var targets = new float[pairs];
        using var scope = NewDisposeScope();
        var left = new Tensor[pairs];
        var right = new Tensor[pairs];
        for (int i = 0; i < pairs; i++)
        {
            if (i % 2 == 0)
            {
                int c = _sameEligible[random.Next(_sameEligible.Length)];
                int n = Dataset.CountOf(c);
                int a = random.Next(n);
                int b = random.Next(n - 1);
                b = b >= a ? b + 1 : b;
                var both = Dataset.Load(c, [a, b]);
                (left[i], right[i]) = (both.narrow(0, 0, 1), both.narrow(0, 1, 1));
                (leftClasses[i], rightClasses[i], targets[i]) = (c, c, 1f);
            }
            else
            {
                int x = random.Next(_nonEmpty.Length);
                int y = random.Next(_nonEmpty.Length - 1);
                y = y >= x ? y + 1 : y;
                int ca = _nonEmpty[x], cb = _nonEmpty[y];
                left[i] = Dataset.Load(ca, [random.Next(Dataset.CountOf(ca))]);
                right[i] = Dataset.Load(cb, [random.Next(Dataset.CountOf(cb))]);
                (leftClasses[i], rightClasses[i], targets[i]) = (ca, cb, 0f);
            }
        }

        var l = cat(left, 0).MoveToOuterDisposeScope();
        var r = cat(right, 0).MoveToOuterDisposeScope();
        var t = tensor(targets).MoveToOuterDisposeScope();
        return new PairBatch(l, r, t, leftClasses, rightClasses);
    }
}
