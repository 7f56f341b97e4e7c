using static TorchSharp.torch;

namespace OneShot.Training;

/// <summary>
/// One N-way K-shot Q-query episode: support and query images with labels 0..N-1, class after class
/// (labels <c>0,0,..,1,1,..</c>). Label <c>i</c> stands for dataset class <c>ClassIndices[i]</c>.
/// </summary>
/// <remarks>The episode owns its tensors; dispose it when done.</remarks>
public sealed class Episode : IDisposable
{
    private readonly EpisodePlan _plan;

    internal Episode(EpisodePlan plan, Tensor support, Tensor supportLabels, Tensor query, Tensor queryLabels)
    {
        _plan = plan;
        Support = support;
        SupportLabels = supportLabels;
        Query = query;
        QueryLabels = queryLabels;
    }

    /// <summary>Support images, float32 <c>[N*K,C,H,W]</c>.</summary>
    public Tensor Support { get; }

    /// <summary>Support labels, int64 <c>[N*K]</c> in 0..N-1.</summary>
    public Tensor SupportLabels { get; }

    /// <summary>Query images, float32 <c>[N*Q,C,H,W]</c>.</summary>
    public Tensor Query { get; }

    /// <summary>Query labels, int64 <c>[N*Q]</c> in 0..N-1.</summary>
    public Tensor QueryLabels { get; }

    /// <summary>The dataset class of each episode label.</summary>
    public IReadOnlyList<int> ClassIndices => _plan.ClassIndices;

    /// <summary>The dataset items used as support, per episode label.</summary>
    public IReadOnlyList<IReadOnlyList<int>> SupportItems => _plan.SupportItems;

    /// <summary>The dataset items used as queries, per episode label.</summary>
    public IReadOnlyList<IReadOnlyList<int>> QueryItems => _plan.QueryItems;

    /// <summary>The number of classes N.</summary>
    public int Way => _plan.Way;

    /// <summary>The number of support items per class K.</summary>
    public int Shot => _plan.Shot;

    /// <summary>The number of query items per class Q.</summary>
    public int QueryCount => _plan.Query;

    internal EpisodePlan Plan => _plan;

    /// <inheritdoc />
    public void Dispose()
    {
        Support.Dispose();
        SupportLabels.Dispose();
        Query.Dispose();
        QueryLabels.Dispose();
    }
}
