using OneShot.Data;
using OneShot.Embeddings;
using OneShot.Tests.Data;
using OneShot.Tests.Galleries;
using SkiaSharp;
using static TorchSharp.torch;

namespace OneShot.Tests.Embeddings;

[Collection(TorchGlobalState.Name)]
public sealed class FileEmbeddingPipelineTests
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Embed_SeveralBatches_EqualsLoadBatchThenEmbed(bool overlap)
    {
        string[] paths = WriteImages(11);
        using var embedder = EmbedderTests.CreateSeeded(new EmbedderOptions { Backbone = new Conv4Options { Widths = [4, 4, 4, 4] } });
        var pipeline = new FileEmbeddingPipeline(embedder, batchSize: 3, decodeThreads: 2, overlap: overlap);

        using var piped = pipeline.Embed(paths);
        using var images = new global::OneShot.Data.ImageLoader(embedder.Preprocessing).LoadBatch(paths);
        using var direct = embedder.Embed(images);

        piped.shape.Should().Equal(11, embedder.EmbeddingSize);
        using var difference = (piped - direct).abs().max();
        difference.item<float>().Should().BeLessThan(1e-5f);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Embed_MissingFileInLaterBatch_ThrowsDecodeErrorNamingIt(bool overlap)
    {
        string[] paths = WriteImages(7);
        paths[5] = Path.Combine(Path.GetDirectoryName(paths[0])!, "missing.png");
        var embedder = new FlattenEmbedder(height: 28, width: 28);
        var pipeline = new FileEmbeddingPipeline(embedder, batchSize: 2, decodeThreads: 1, overlap: overlap);

        var act = () => pipeline.Embed(paths);

        act.Should().Throw<ImageDecodeException>().WithMessage("*missing.png*");
    }

    [Fact]
    public void Embed_NoPaths_ReturnsEmptyMatrix()
    {
        var embedder = new FlattenEmbedder(height: 2, width: 2);

        using var result = new FileEmbeddingPipeline(embedder).Embed([]);

        result.shape.Should().Equal(0, 4);
    }

    [Fact]
    public void Constructor_CpuEmbedderByDefault_DecodesInTurnOnAllProcessors()
    {
        var pipeline = new FileEmbeddingPipeline(new FlattenEmbedder());

        pipeline.Overlap.Should().BeFalse();
        pipeline.DecodeThreads.Should().Be(Environment.ProcessorCount);
    }

    [Theory]
    [InlineData(2, 2, 4096)]     // 16 B per image: capped at 4,096
    [InlineData(84, 84, 594)]    // 28,224 B per image: 16 MiB / 28,224 = 594
    [InlineData(1000, 1000, 64)] // 4 MB per image: at least 64
    public void Constructor_DefaultBatch_AboutSixteenMegabytesClamped(int height, int width, int expected)
    {
        var pipeline = new FileEmbeddingPipeline(new FlattenEmbedder(height: height, width: width));

        pipeline.BatchSize.Should().Be(expected);
    }

    private static string[] WriteImages(int count)
    {
        string folder = TestPaths.NewTempFolder();
        var paths = new string[count];
        for (int i = 0; i < count; i++)
        {
            byte shade = (byte)(20 * i);
            byte[] data = TestImages.Encode(SKEncodedImageFormat.Png, 28, 28, (x, y) => (x + y) % (i + 2) == 0 ? new SKColor(shade, shade, shade) : new SKColor(255, 255, 255));
            paths[i] = Path.Combine(folder, $"image{i}.png");
            File.WriteAllBytes(paths[i], data);
        }

        return paths;
    }
}
