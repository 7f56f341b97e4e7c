using OneShot.Galleries;

namespace OneShot.Tests.Galleries;

/// <summary>
/// <see cref="Gallery.Open"/> over an <see cref="IGalleryStore"/>: enrolment writes through the store, changes made
/// elsewhere are applied before the next read (incrementally, after the version already applied), and a store of
/// another embedder is refused like a gallery file. The PostgreSQL store has its own tests (tests/OneShot.PostgreSql.Tests).
/// </summary>
public sealed class GalleryStoreTests
{
    private readonly FlattenEmbedder _embedder = new(height: 1, width: 2);

    [Fact]
    public void Open_ChangesMadeElsewhere_AreAppliedBeforeTheNextRead()
    {
        var store = new InMemoryGalleryStore(_embedder.GetFingerprint(), 2);
        using var gallery = Gallery.Open(_embedder, store);

        gallery.EnrollEmbeddings("a", [[0f, 0f], [0f, 2f]]);
        store.ReadEmbeddings("a").Should().BeEquivalentTo(new[] { new[] { 0f, 0f }, new[] { 0f, 2f } }, o => o.WithStrictOrdering());
        store.AddFromElsewhere("b", [[10f, 10f]]);

        gallery.Labels.Should().Equal("a", "b");
        gallery.ClassifyEmbedding(new[] { 9f, 9f }).Label.Should().Be("b");
        gallery.ClassifyEmbedding(new[] { 0f, 1f }).Distance.Should().Be(0, "a's prototype is (0, 1)");

        store.RemoveFromElsewhere("a").Should().BeTrue();
        gallery.Labels.Should().Equal("b");
        gallery.ClassifyEmbedding(new[] { 0f, 1f }).Label.Should().Be("b");
        gallery.Remove("b").Should().BeTrue();
        gallery.Count.Should().Be(0);
        store.ReadsAfter.Should().Equal([-1L, 1, 2, 3], "one complete read, then only what changed after the version applied");
    }

    [Fact]
    public void Open_StoreOfAnotherEmbedder_ThrowsEmbedderMismatchException()
    {
        var store = new InMemoryGalleryStore(new FlattenEmbedder(height: 2, width: 1).GetFingerprint(), 2);

        var open = () => Gallery.Open(_embedder, store);

        open.Should().Throw<EmbedderMismatchException>().WithMessage("*'in-memory test store'*options*differ*");
    }
}
