using OneShot.Classification;

namespace OneShot.Benchmarks;

/// <summary>One embedding measurement: seconds per batch for the library's Embed and the plain eval forward, and the GEMM GFLOP/s measured interleaved with them.</summary>
internal sealed record EmbeddingRow(string Architecture, int Size, int Batch, double FlopsPerImage, double Library, double Plain, double Gemm)
{
    public double GflopsOf(double seconds) => FlopsPerImage * Batch / seconds / 1e9;
}

/// <summary>One gallery-search measurement: seconds for the chunked index and for the full distance matrix + top-k, and the GEMM GFLOP/s measured interleaved with them.</summary>
internal sealed record SearchRow(DistanceMetric Metric, int Queries, int Count, int Dimension, double Seconds, double Plain, double Gemm)
{
    public double Gflops(double seconds) => 2.0 * Queries * Count * Dimension / seconds / 1e9;
}

/// <summary>Files to embeddings: seconds for embedding decoded images, the pipeline (default, in turn), decode-all-then-embed and the overlapped pipeline.</summary>
internal sealed record PipelineRow(int Files, double EmbedOnly, double Pipeline, double Sequential, double Overlapped, int DecodeThreads, int OverlappedDecodeThreads);
