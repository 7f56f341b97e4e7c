using OneShot.Data;
using OneShot.Embeddings;
using OneShot.Training;
using static TorchSharp.torch;

namespace OneShot.Evaluation;

/// <summary>
/// The embeddings of every item of some classes of a dataset, computed once in large batches, so that many
/// episodes over the same classes do not embed the same images again.
/// </summary>
internal sealed class DatasetEmbeddings : IDisposable
{
    private const int ChunkImages = 1024;

    private readonly Tensor _embeddings;
    private readonly Dictionary<int, int> _offsets;

    private DatasetEmbeddings(Tensor embeddings, Dictionary<int, int> offsets)
    {
        _embeddings = embeddings;
        _offsets = offsets;
    }

    /// <summary>Embeds every item of <paramref name="classes"/>, about <see cref="ChunkImages"/> images per call.</summary>
    public static DatasetEmbeddings Build(IEmbedder embedder, IClassDataset dataset, IReadOnlyList<int> classes, CancellationToken cancellationToken)
    {
        var offsets = new Dictionary<int, int>(classes.Count);
        var parts = new List<Tensor>();
        try
        {
            int offset = 0;
            var pending = new List<Tensor>();
            int pendingCount = 0;
            foreach (int c in classes)
            {
                cancellationToken.ThrowIfCancellationRequested();
                int count = dataset.CountOf(c);
                offsets[c] = offset;
                offset += count;
                pending.Add(dataset.Load(c, Enumerable.Range(0, count).ToArray()));
                pendingCount += count;
                if (pendingCount >= ChunkImages)
                {
                    parts.Add(EmbedAndDispose(embedder, pending));
                    pendingCount = 0;
                }
            }

            if (pending.Count > 0)
            {
                parts.Add(EmbedAndDispose(embedder, pending));
            }

            var all = parts.Count == 1 ? parts[0] : cat(parts, 0);
            if (parts.Count > 1)
            {
                parts.ForEach(p => p.Dispose());
            }

            parts.Clear();
            return new DatasetEmbeddings(all, offsets);
        }
        finally
        {
            parts.ForEach(p => p.Dispose());
        }
    }

    /// <summary>The support <c>[N*K,D]</c> and query <c>[N*Q,D]</c> embeddings of <paramref name="plan"/>, class after class.</summary>
    public (Tensor Support, Tensor Query) Gather(EpisodePlan plan)
    {
        var support = new long[plan.Way * plan.Shot];
        var query = new long[plan.Way * plan.Query];
        for (int i = 0; i < plan.Way; i++)
        {
            int offset = _offsets[plan.ClassIndices[i]];
            for (int j = 0; j < plan.Shot; j++)
            {
                support[(i * plan.Shot) + j] = offset + plan.SupportItems[i][j];
            }

            for (int j = 0; j < plan.Query; j++)
            {
                query[(i * plan.Query) + j] = offset + plan.QueryItems[i][j];
            }
        }

        using var supportIndex = tensor(support);
        using var queryIndex = tensor(query);
        return (_embeddings.index_select(0, supportIndex), _embeddings.index_select(0, queryIndex));
    }

    /// <inheritdoc />
    public void Dispose() => _embeddings.Dispose();

    private static Tensor EmbedAndDispose(IEmbedder embedder, List<Tensor> images)
    {
        try
        {
            using var batch = images.Count == 1 ? images[0].alias() : cat(images, 0);
            return embedder.Embed(batch);
        }
        finally
        {
            images.ForEach(t => t.Dispose());
            images.Clear();
        }
    }
}
