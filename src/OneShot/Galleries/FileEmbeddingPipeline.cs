using OneShot.Data;
using OneShot.Embeddings;
using static TorchSharp.torch;

namespace OneShot.Galleries;

/// <summary>
/// Embeds image files with decoding and embedding overlapped: a background task decodes and preprocesses the next
/// batches on a bounded number of threads while the calling thread embeds the current one. At most
/// <see cref="MaxBatchesAhead"/> decoded batches wait at any time, so memory stays bounded for any number of files.
/// The result equals <c>embedder.Embed(new ImageLoader(embedder.Preprocessing).LoadBatch(paths))</c>.
/// </summary>
public sealed class FileEmbeddingPipeline
{
    /// <summary>How many decoded batches may wait for the embedder.</summary>
    public const int MaxBatchesAhead = 2;

    private readonly IEmbedder _embedder;
    private readonly ImageLoader _loader;

    /// <summary>Creates a pipeline for <paramref name="embedder"/>.</summary>
    /// <param name="embedder">The embedder; its preprocessing decides how files are decoded.</param>
    /// <param name="batchSize">Images per embedded batch; at least 1.</param>
    /// <param name="decodeThreads">Threads that decode at once; 0 means half the processors (at least one).</param>
    public FileEmbeddingPipeline(IEmbedder embedder, int batchSize = 64, int decodeThreads = 0)
    {
        ArgumentNullException.ThrowIfNull(embedder);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        ArgumentOutOfRangeException.ThrowIfNegative(decodeThreads);
        _embedder = embedder;
        _loader = new ImageLoader(embedder.Preprocessing);
        BatchSize = batchSize;
        DecodeThreads = decodeThreads > 0 ? decodeThreads : Math.Max(1, Environment.ProcessorCount / 2);
    }

    /// <summary>Images per embedded batch.</summary>
    public int BatchSize { get; }

    /// <summary>Threads that decode at once.</summary>
    public int DecodeThreads { get; }

    /// <summary>Embeds the files at <paramref name="paths"/> in order: a new float32 CPU tensor <c>[N,D]</c>.</summary>
    /// <exception cref="ImageDecodeException">A file cannot be decoded (the first failing path in list order).</exception>
    public Tensor Embed(IReadOnlyList<string> paths, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(paths);
        int size = _loader.ValuesPerImage;
        var p = _loader.Preprocessing;
        int batches = (paths.Count + BatchSize - 1) / BatchSize;
        using var ready = new System.Collections.Concurrent.BlockingCollection<float[]>(MaxBatchesAhead);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var producer = Task.Run(
            () =>
            {
                try
                {
                    for (int b = 0; b < batches; b++)
                    {
                        int start = b * BatchSize, count = Math.Min(BatchSize, paths.Count - start);
                        var values = new float[(long)count * size];
                        ParallelDecode.For(
                            count,
                            i => _loader.LoadPixels(paths[start + i]).AsSpan().CopyTo(values.AsSpan(i * size, size)),
                            DecodeThreads,
                            stop.Token);
                        ready.Add(values, stop.Token);
                    }
                }
                finally
                {
                    ready.CompleteAdding();
                }
            },
            stop.Token);

        using var scope = NewDisposeScope();
        var parts = new List<Tensor>(batches);
        try
        {
            foreach (var values in ready.GetConsumingEnumerable(stop.Token))
            {
                using var images = tensor(values, [values.Length / size, p.Channels, p.Height, p.Width]);
                parts.Add(_embedder.Embed(images));
            }
        }
        catch
        {
            stop.Cancel();
            WaitQuietly(producer);
            throw;
        }

        producer.GetAwaiter().GetResult(); // rethrows a decode failure
        var result = parts.Count == 0
            ? zeros(0, _embedder.EmbeddingSize)
            : parts.Count == 1 ? parts[0] : cat(parts, 0);
        return result.MoveToOuterDisposeScope();
    }

    private static void WaitQuietly(Task task)
    {
        try
        {
            task.Wait();
        }
        catch (AggregateException)
        {
            // The consumer's own exception is the one to report.
        }
    }
}
