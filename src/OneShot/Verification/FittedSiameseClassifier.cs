using OneShot.Classification;
using static TorchSharp.torch;

namespace OneShot.Verification;

/// <summary>
/// A <see cref="SiameseClassifier"/> fitted to a support set. A class's pair score for a query is the best pair score
/// over the class's support embeddings. Its reported score is, for a contrastive head, the Euclidean distance to the
/// nearest support example (<see cref="ScoreKind.Distance"/>) and, for a Koch head, the highest probability "same"
/// (<see cref="ScoreKind.PairProbability"/>); see <see cref="SiameseClassifierOptions"/>.
/// </summary>
/// <remarks>
/// <see cref="FittedClassifier{TOptions}.Predict"/> and <see cref="FittedClassifier{TOptions}.PredictProbabilities"/> are
/// safe to call from many threads at once; <see cref="FittedClassifier{TOptions}.Dispose()"/> is not.
/// </remarks>
public sealed class FittedSiameseClassifier : FittedClassifier<SiameseClassifierOptions>
{
    private readonly Tensor _support;
    private readonly int[] _classIndices;

    internal FittedSiameseClassifier(SiameseClassifierOptions options, SupportSet support, Tensor embeddings)
        : base(options, support.Classes, support.EmbeddingSize, options.Head.ScoreKind)
    {
        _classIndices = support.ClassIndices;
        _support = embeddings;
    }

    /// <inheritdoc />
    protected override ClassScores Score(Tensor queries)
    {
        var pairScores = Options.Head.ScoreMatrix(queries, _support).contiguous();
        int rows = (int)pairScores.shape[0], s = _classIndices.Length, c = Classes.Count;
        float[] pairs = pairScores.data<float>().ToArray();
        var best = new float[rows * c];
        Array.Fill(best, float.NegativeInfinity);
        for (int i = 0; i < rows; i++)
        {
            for (int j = 0; j < s; j++)
            {
                int cell = (i * c) + _classIndices[j];
                best[cell] = Math.Max(best[cell], pairs[(i * s) + j]);
            }
        }

        float[] probabilities = Distances.SoftmaxOfNegative(tensor(best, [rows, c]), -Options.Temperature).contiguous().data<float>().ToArray();
        float[] scores = [.. best.Select(b => (float)Options.Head.ToClassScore(b))];
        return new ClassScores(rows, scores, probabilities);
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing) => _support.Dispose();
}
