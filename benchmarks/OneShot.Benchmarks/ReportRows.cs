using OneShot.Classification;

namespace OneShot.Benchmarks;

/// <summary>One embedding measurement: seconds per batch for the library, the plain eval forward and channels-last input.</summary>
internal sealed record EmbeddingRow(string Architecture, int Size, int Batch, double FlopsPerImage, double Library, double Plain, double ChannelsLast)
{
    public double GflopsOf(double seconds) => FlopsPerImage * Batch / seconds / 1e9;
}

/// <summary>One gallery-search measurement: seconds for the chunked index and for the full distance matrix + top-k.</summary>
internal sealed record SearchRow(DistanceMetric Metric, int Queries, int Count, int Dimension, double Seconds, double Plain)
{
    public double Gflops(double seconds) => 2.0 * Queries * Count * Dimension / seconds / 1e9;
}

/// <summary>Files to embeddings: seconds for embedding decoded images, the pipeline and decode-then-embed.</summary>
internal sealed record PipelineRow(int Files, double EmbedOnly, double Pipeline, double Sequential, int DecodeThreads);
