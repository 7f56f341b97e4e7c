using OneShot.Data;
using static TorchSharp.torch;

namespace OneShot.TransferVsFineTune;

/// <summary>One few-shot task: labelled support images of new classes and held-out query images of the same classes.</summary>
internal sealed class SupportDraw : IDisposable
{
    private SupportDraw(Tensor support, IReadOnlyList<string> supportLabels, Tensor queries, IReadOnlyList<string> queryLabels)
    {
        Support = support;
        SupportLabels = supportLabels;
        Queries = queries;
        QueryLabels = queryLabels;
    }

    /// <summary>Support images <c>[way*shot,C,H,W]</c>.</summary>
    public Tensor Support { get; }

    /// <summary>The label of each support image.</summary>
    public IReadOnlyList<string> SupportLabels { get; }

    /// <summary>Query images <c>[way*queries,C,H,W]</c>.</summary>
    public Tensor Queries { get; }

    /// <summary>The true label of each query image.</summary>
    public IReadOnlyList<string> QueryLabels { get; }

    /// <summary>Draws <paramref name="way"/> classes of <paramref name="pool"/> and, per class, disjoint support and query images.</summary>
    public static SupportDraw Create(TaskPool pool, int way, int shot, int queries, int seed)
    {
        if (pool.Classes.Count < way)
        {
            throw new ArgumentException($"The task pool has {pool.Classes.Count} classes; --way {way} needs at least that many.");
        }

        var rng = new Random(seed);
        int[] classes = [.. pool.Classes.OrderBy(_ => rng.Next()).Take(way)];
        var support = new List<Tensor>();
        var query = new List<Tensor>();
        var supportLabels = new List<string>();
        var queryLabels = new List<string>();
        using var scope = NewDisposeScope();
        foreach (int c in classes)
        {
            int count = pool.Dataset.CountOf(c);
            if (count < shot + queries)
            {
                throw new ArgumentException($"Class '{pool.Dataset.Classes[c]}' has {count} images; --shot {shot} + --queries {queries} need {shot + queries}.");
            }

            int[] items = pool.FixedRoles ? [0, 1] : [.. Enumerable.Range(0, count).OrderBy(_ => rng.Next()).Take(shot + queries)];
            string label = pool.Dataset.Classes[c];
            support.Add(pool.Dataset.Load(c, items[..shot]));
            query.Add(pool.Dataset.Load(c, items[shot..]));
            supportLabels.AddRange(Enumerable.Repeat(label, shot));
            queryLabels.AddRange(Enumerable.Repeat(label, queries));
        }

        var s = cat(support, 0).MoveToOuterDisposeScope();
        var q = cat(query, 0).MoveToOuterDisposeScope();
        return new SupportDraw(s, supportLabels, q, queryLabels);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Support.Dispose();
        Queries.Dispose();
    }
}
