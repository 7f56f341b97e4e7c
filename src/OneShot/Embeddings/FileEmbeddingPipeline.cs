using OneShot.Data;
using static TorchSharp.torch;

namespace OneShot.Embeddings;

/// <summary>
/// Embeds image files batch by batch in bounded memory, decoding on a bounded number of threads: peak memory depends on
/// the batch size and the preprocessing's <see cref="ImageLimits"/>, not on the number of files. When
/// <see cref="Overlap"/> is on, a background task decodes the next batches while the calling thread embeds the
/// current one (at most <see cref="MaxBatchesAhead"/> decoded batches wait); otherwise each batch is decoded on all
/// decode threads and then embedded. The result equals
/// <c>embedder.Embed(new ImageLoader(embedder.Preprocessing).LoadBatch(paths))</c>.
/// </summary>
/// <remarks>
/// Overlap pays when decoding and embedding use different hardware (a GPU embedder). On a CPU embedder libtorch
/// already keeps every core busy, and decoding threads beside it only contend (measured in docs/PERFORMANCE.md), so
/// by default overlap is on only for non-CPU devices.
/// </remarks>
public sealed class FileEmbeddingPipeline
{
    /// <summary>How many decoded batches may wait for the embedder.</summary>
    public const int MaxBatchesAhead = 2;

    private const long AutoBatchBytes = 16L << 20;

    private readonly IEmbedder _embedder;
    private readonly ImageLoader _loader;

    /// <summary>Creates a pipeline for <paramref name="embedder"/>.</summary>
    /// <param name="embedder">The embedder; its preprocessing decides how files are decoded.</param>
    /// <param name="batchSize">
    /// Images decoded per batch; 0 (the default) means about 16 MB of decoded pixels, between 64 and 4,096 images. Never
    /// more than the preprocessing's <see cref="ImageLimits.MaxBatchBytes"/> of model inputs allow (at least one image).
    /// </param>
    /// <param name="decodeThreads">Threads that decode at once; 0 means all processors, or half of them (at least one) when overlapping.</param>
    /// <param name="overlap">Whether decoding overlaps embedding; null means only when the embedder is not on the CPU.</param>
    public FileEmbeddingPipeline(IEmbedder embedder, int batchSize = 0, int decodeThreads = 0, bool? overlap = null)
    {
        ArgumentNullException.ThrowIfNull(embedder);
        ArgumentOutOfRangeException.ThrowIfNegative(batchSize);
        ArgumentOutOfRangeException.ThrowIfNegative(decodeThreads);
        _embedder = embedder;
        _loader = new ImageLoader(embedder.Preprocessing);
        // Few large batches: every switch between decoding and libtorch costs (its OpenMP threads keep spinning for a
        // while after a pass and slow the decoders down), so the default batch is as large as bounded memory allows.
        int wanted = batchSize > 0 ? batchSize : (int)Math.Clamp(AutoBatchBytes / (4L * _loader.ValuesPerImage), 64, 4096);
        long bound = Math.Max(1, embedder.Preprocessing.Limits.MaxBatchBytes / (4L * _loader.ValuesPerImage));
        BatchSize = (int)Math.Min(wanted, bound);
        Overlap = overlap ?? embedder.Device.type != TorchSharp.DeviceType.CPU;
        DecodeThreads = decodeThreads > 0 ? decodeThreads
            : Overlap ? Math.Max(1, Environment.ProcessorCount / 2)
            : Environment.ProcessorCount;
    }

    /// <summary>Whether decoding overlaps embedding.</summary>
    public bool Overlap { get; }

    /// <summary>Images decoded per batch (the embedder may split a batch into smaller forward passes).</summary>
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
        if (!Overlap)
        {
            return EmbedInTurn(paths, batches, cancellationToken);
        }

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

    private Tensor EmbedInTurn(IReadOnlyList<string> paths, int batches, CancellationToken cancellationToken)
    {
        using var scope = NewDisposeScope();
        var parts = new List<Tensor>(batches);
        for (int b = 0; b < batches; b++)
        {
            int start = b * BatchSize, count = Math.Min(BatchSize, paths.Count - start);
            var batch = new string[count];
            for (int i = 0; i < count; i++)
            {
                batch[i] = paths[start + i];
            }

            cancellationToken.ThrowIfCancellationRequested();
            using var images = Decode(batch, cancellationToken);
            parts.Add(_embedder.Embed(images));
        }

        var result = parts.Count == 0 ? zeros(0, _embedder.EmbeddingSize) : parts.Count == 1 ? parts[0] : cat(parts, 0);
        return result.MoveToOuterDisposeScope();
    }

    private Tensor Decode(string[] batch, CancellationToken cancellationToken)
    {
        int size = _loader.ValuesPerImage;
        var p = _loader.Preprocessing;
        var values = new float[(long)batch.Length * size];
        ParallelDecode.For(batch.Length, i => _loader.LoadPixels(batch[i]).AsSpan().CopyTo(values.AsSpan(i * size, size)), DecodeThreads, cancellationToken);
        return tensor(values, [batch.Length, p.Channels, p.Height, p.Width]);
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
