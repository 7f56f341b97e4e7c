using OneShot.Galleries;
using static TorchSharp.torch;

namespace OneShot.Tests.Galleries;

/// <summary>The gallery's simple path on plain float arrays: no TorchSharp tensor in the caller's code.</summary>
public sealed class GalleryArrayTests
{
    [Fact]
    public void EnrollAndClassify_FloatArrays_NearestPrototypeWithSquaredEuclideanDistance()
    {
        using var gallery = new Gallery(new FlattenEmbedder());
        gallery.EnrollEmbeddings("a", [[0f, 0f, 0f, 0f], [2f, 0f, 0f, 0f]]);   // prototype (1,0,0,0)
        gallery.EnrollEmbedding("b", new float[] { 0f, 4f, 0f, 0f });

        var prediction = gallery.ClassifyEmbedding(new float[] { 1f, 1f, 0f, 0f });

        prediction.Label.Should().Be("a");
        prediction.Distance.Should().BeApproximately(1.0, 1e-6);          // ‖(1,1,0,0) − (1,0,0,0)‖² = 1
        prediction.TopK.Select(s => s.Label).Should().Equal("a", "b");
        gallery.Counts.Should().Equal(new Dictionary<string, int> { ["a"] = 2, ["b"] = 1 });
    }

    [Fact]
    public void ClassifyEmbeddings_SeveralArrays_SamePredictionsAsTheTensorOverload()
    {
        using var gallery = new Gallery(new FlattenEmbedder());
        gallery.EnrollEmbedding("a", new float[] { 1f, 0f, 0f, 0f });
        gallery.EnrollEmbedding("b", new float[] { 0f, 1f, 0f, 0f });
        float[][] queries = [[0.9f, 0.2f, 0f, 0f], [0.1f, 0.7f, 0.1f, 0f], [0f, 0f, 1f, 0f]];

        var fromArrays = gallery.ClassifyEmbeddings(queries);
        using var matrix = tensor(queries.SelectMany(q => q).ToArray(), [3, 4]);
        var fromTensor = gallery.ClassifyEmbeddings(matrix);

        fromArrays.Select(p => p.Label).Should().Equal("a", "b", "a");
        fromArrays.Select(p => p.Score).Should().Equal(fromTensor.Select(p => p.Score));
        gallery.ClassifyEmbeddings(Array.Empty<float[]>()).Should().BeEmpty();
    }

    [Fact]
    public void GetEmbeddingArrays_ReturnsCopiesInEnrolmentOrder()
    {
        using var gallery = new Gallery(new FlattenEmbedder());
        float[] first = [1f, 2f, 3f, 4f];
        gallery.EnrollEmbedding("a", first);
        gallery.EnrollEmbeddings("b", [[9f, 9f, 9f, 9f]]);
        gallery.EnrollEmbedding("a", new float[] { 5f, 6f, 7f, 8f });
        first[0] = 100f;                                    // the gallery copied the caller's array

        float[][] rows = gallery.GetEmbeddingArrays("a");
        rows.Should().HaveCount(2);
        rows[0].Should().Equal(1f, 2f, 3f, 4f);
        rows[1].Should().Equal(5f, 6f, 7f, 8f);

        rows[1][0] = -1f;                                   // and hands out copies
        gallery.GetEmbeddingArrays("a")[1].Should().Equal(5f, 6f, 7f, 8f);
        var missing = () => gallery.GetEmbeddingArrays("c");
        missing.Should().Throw<KeyNotFoundException>().WithMessage("The label 'c' is not enrolled in this gallery. Enrolled labels: 'a', 'b'.");
    }

    [Fact]
    public void EnrollEmbeddings_WrongLength_ThrowsNamingTheEmbeddingAndNothingIsEnrolled()
    {
        using var gallery = new Gallery(new FlattenEmbedder());

        var act = () => gallery.EnrollEmbeddings("a", [[1f, 2f, 3f, 4f], [1f, 2f, 3f]]);

        act.Should().Throw<ArgumentException>()
            .WithMessage("Expected embeddings of length 4; embedding 1 has length 3.*")
            .Which.ParamName.Should().Be("embeddings");
        gallery.Count.Should().Be(0);
    }

    [Fact]
    public void EnrollEmbedding_NonFiniteValue_ThrowsWithItsPosition()
    {
        using var gallery = new Gallery(new FlattenEmbedder());

        var act = () => gallery.EnrollEmbedding("a", new float[] { 1f, float.NaN, 0f, 0f });

        act.Should().Throw<ArgumentException>().WithMessage("Embedding 0 has a non-finite value (NaN) at position 1.*");
        gallery.Count.Should().Be(0);
    }

    [Fact]
    public void EnrollEmbeddings_NoEmbedding_Throws()
    {
        using var gallery = new Gallery(new FlattenEmbedder());

        var act = () => gallery.EnrollEmbeddings("a", Array.Empty<float[]>());

        act.Should().Throw<ArgumentException>().WithMessage("Expected at least one embedding of length 4; got none.*");
    }

    [Fact]
    public void ClassifyEmbedding_WrongLength_Throws()
    {
        using var gallery = new Gallery(new FlattenEmbedder());
        gallery.EnrollEmbedding("a", new float[] { 1f, 0f, 0f, 0f });

        var act = () => gallery.ClassifyEmbedding(new float[] { 1f, 0f });

        act.Should().Throw<ArgumentException>().WithMessage("Expected embeddings of length 4; embedding 0 has length 2.*");
    }
}
