using OneShot.Embeddings;
using OneShot.Tests.Training;
using OneShot.Verification;
using static TorchSharp.torch;

namespace OneShot.Tests.Verification;

/// <summary>The ownership rule: the caller owns what it passes in; a type that creates an embedder owns it.</summary>
[Collection(TorchGlobalState.Name)]
public sealed class SiameseModelOwnershipTests : IDisposable
{
    private readonly string _root = TestPaths.NewTempFolder("oneshot-siamese-owner");

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void Dispose_ConstructedWithTheCallersEmbedder_LeavesItUsable()
    {
        using var embedder = SyntheticClasses.TinyConv4();
        var model = new SiameseModel(embedder, SiameseHead.Contrastive());

        model.Dispose();
        using var images = zeros(1, 1, 28, 28);
        using var embedding = embedder.Embed(images);

        embedding.shape.Should().Equal(1, embedder.EmbeddingSize);
    }

    [Fact]
    public void Dispose_LoadedModel_DisposesTheEmbedderItCreated()
    {
        using (var embedder = SyntheticClasses.TinyConv4())
        using (var model = new SiameseModel(embedder, SiameseHead.Contrastive()))
        {
            model.Save(_root);
        }

        var loaded = SiameseModel.Load(_root, DeviceChoice.Cpu);
        var created = loaded.Embedder;
        loaded.Dispose();

        using var images = zeros(1, 1, 28, 28);
        FluentActions.Invoking(() => created.Embed(images)).Should().Throw<ObjectDisposedException>();
    }
}
