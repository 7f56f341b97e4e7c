using OneShot.Classification;
using OneShot.Data;
using OneShot.Embeddings;
using OneShot.Serialization;
using static TorchSharp.torch;

namespace OneShot.Verification;

/// <summary>
/// A Siamese network ready for verification: an <see cref="Embedder"/>, the <see cref="SiameseHead"/> that scores
/// pairs of embeddings and the threshold that turns a score into "same" / "different".
/// </summary>
/// <remarks>
/// Scores are higher for more alike pairs: the Koch head's probability "same", or the contrastive head's negative
/// Euclidean distance. A pair is "same" when <c>score &gt;= Threshold</c>. Ownership follows the library's rule,
/// "the caller owns what it passes in; a type that creates an embedder owns it": an embedder given to the constructor
/// stays the caller's (dispose it after the model); the embedder <see cref="Load"/> creates is owned and disposed by the model. <see cref="Score"/> and <see cref="Verify(Tensor, Tensor)"/> are safe to call from many threads;
/// <see cref="Calibrate"/>, <see cref="SetThreshold"/> and <see cref="Dispose"/> are not.
/// </remarks>
public sealed class SiameseModel : IDisposable
{
    private readonly bool _ownsEmbedder;
    private bool _disposed;

    /// <summary>Creates a model over <paramref name="embedder"/>, which stays the caller's.</summary>
    /// <param name="embedder">The embedder; not disposed by the model (dispose it after the model).</param>
    /// <param name="head">The pair head; a Koch head must have one weight per embedding value.</param>
    /// <param name="calibration">The threshold; null uses <see cref="SiameseHead.DefaultThreshold"/>.</param>
    /// <exception cref="ArgumentException">The Koch head does not fit the embedding size.</exception>
    public SiameseModel(Embedder embedder, SiameseHead head, ThresholdCalibrationResult? calibration = null)
        : this(embedder, head, calibration, ownsEmbedder: false)
    {
    }

    private SiameseModel(Embedder embedder, SiameseHead head, ThresholdCalibrationResult? calibration, bool ownsEmbedder)
    {
        ArgumentNullException.ThrowIfNull(embedder);
        ArgumentNullException.ThrowIfNull(head);
        head.EnsureFits(embedder.EmbeddingSize, nameof(head));
        Embedder = embedder;
        Head = head;
        _ownsEmbedder = ownsEmbedder;
        Calibration = calibration ?? new ThresholdCalibrationResult(head.DefaultThreshold, double.NaN, double.NaN, ThresholdCalibrationMethod.Default);
    }

    /// <summary>The embedder: the caller's when given to the constructor, the model's own when made by <see cref="Load"/>.</summary>
    public Embedder Embedder { get; }

    /// <summary>How pairs of embeddings are scored.</summary>
    public SiameseHead Head { get; }

    /// <summary>The current threshold and how it was chosen.</summary>
    public ThresholdCalibrationResult Calibration { get; private set; }

    /// <summary>Pairs with score &gt;= this are "same".</summary>
    public double Threshold => Calibration.Threshold;

    /// <summary>Loads a model saved with <see cref="Save"/>; the model owns (and disposes) the embedder it loads.</summary>
    /// <param name="directory">The model directory.</param>
    /// <param name="device">Where the embedder runs.</param>
    /// <exception cref="ModelFormatException">The directory is not a valid model, or its <c>model.json</c> has no (or an invalid) <c>siamese</c> section.</exception>
    public static SiameseModel Load(string directory, DeviceChoice device = DeviceChoice.Auto)
    {
        var (embedder, json) = ModelFileReader.LoadWithJson(directory, device);
        try
        {
            string path = Path.Combine(directory, ModelFile.MetadataFileName);
            var siamese = json.Siamese ?? throw new ModelFormatException(
                path,
                $"Model metadata '{path}' has no siamese section: the directory holds a plain {json.Architecture} embedder (load it with ModelFile.Load); expected a model saved by SiameseModel.Save.");
            var (head, calibration) = SiameseCodec.FromJson(siamese, embedder.EmbeddingSize, path);
            return new SiameseModel(embedder, head, calibration, ownsEmbedder: true);
        }
        catch
        {
            embedder.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Saves the model to <paramref name="directory"/> in the model-file format of <see cref="ModelFile"/>, with the head
    /// and threshold in the <c>siamese</c> object of <c>model.json</c>; <see cref="ModelFile.Load(string, DeviceChoice)"/> still reads its embedder.
    /// </summary>
    /// <param name="directory">The model directory, created when needed; a model already there is replaced atomically.</param>
    /// <param name="description">Optional free text stored in <c>model.json</c>.</param>
    public void Save(string directory, string? description = null)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ModelFileWriter.Save(Embedder, directory, description, trainingInfo: null, beforeCommit: null, SiameseCodec.ToJson(Head, Calibration));
    }

    /// <summary>The scores <c>[P]</c> of the image pairs (<paramref name="left"/>[i], <paramref name="right"/>[i]), a new float32 CPU tensor.</summary>
    /// <param name="left">Images <c>[P,C,H,W]</c> as the embedder takes them.</param>
    /// <param name="right">Images <c>[P,C,H,W]</c>.</param>
    /// <exception cref="ArgumentException">The shapes differ or do not fit the embedder.</exception>
    public Tensor Score(Tensor left, Tensor right)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentNullException.ThrowIfNull(left);
        ArgumentNullException.ThrowIfNull(right);
        if (!left.shape.SequenceEqual(right.shape))
        {
            throw new ArgumentException($"Expected two image batches of the same shape; got [{string.Join(",", left.shape)}] and [{string.Join(",", right.shape)}].", nameof(right));
        }

        using var scope = NewDisposeScope();
        var embeddings = Embedder.Embed(cat(new[] { left, right }, 0));
        long n = left.shape[0];
        return Head.PairScores(embeddings.narrow(0, 0, n), embeddings.narrow(0, n, n)).MoveToOuterDisposeScope();
    }

    /// <summary>Decides whether two images show the same class.</summary>
    /// <param name="imageA">One image <c>[C,H,W]</c> or <c>[1,C,H,W]</c>.</param>
    /// <param name="imageB">One image <c>[C,H,W]</c> or <c>[1,C,H,W]</c>.</param>
    /// <exception cref="ArgumentException">An argument is not a single image fitting the embedder.</exception>
    public VerificationResult Verify(Tensor imageA, Tensor imageB)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        using var scope = NewDisposeScope();
        var score = Score(AsBatch(imageA, nameof(imageA)), AsBatch(imageB, nameof(imageB))).item<float>();
        double threshold = Threshold;
        return new VerificationResult(score >= threshold, score, threshold);
    }

    /// <summary>Decides whether two image files show the same class, loading them with the embedder's preprocessing.</summary>
    /// <exception cref="ImageDecodeException">A file is missing or cannot be decoded.</exception>
    public VerificationResult Verify(string pathA, string pathB)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var loader = new ImageLoader(Embedder.Preprocessing);
        using var scope = NewDisposeScope();
        return Verify(loader.Load(pathA), loader.Load(pathB));
    }

    /// <summary>
    /// Scores labelled pairs and stores the threshold chosen from them: the equal-error-rate threshold, or with
    /// <paramref name="targetFalseAcceptRate"/> the lowest threshold whose false-accept rate is at most that target
    /// (see <see cref="ThresholdCalibration"/>).
    /// </summary>
    /// <param name="left">Images <c>[P,C,H,W]</c>.</param>
    /// <param name="right">Images <c>[P,C,H,W]</c>.</param>
    /// <param name="isSame">Whether each pair is truly "same"; at least one of each kind.</param>
    /// <param name="targetFalseAcceptRate">Null for the equal error rate, or the target false-accept rate in [0, 1].</param>
    /// <returns>The stored calibration.</returns>
    public ThresholdCalibrationResult Calibrate(Tensor left, Tensor right, IReadOnlyList<bool> isSame, double? targetFalseAcceptRate = null)
    {
        double[] scores;
        using (var scores32 = Score(left, right))
        {
            scores = [.. scores32.data<float>().ToArray().Select(s => (double)s)];
        }

        Calibration = targetFalseAcceptRate is double far
            ? ThresholdCalibration.ForFalseAcceptRate(scores, isSame, far)
            : ThresholdCalibration.EqualErrorRate(scores, isSame);
        return Calibration;
    }

    /// <summary>Stores a calibration computed elsewhere (for example from <see cref="ThresholdCalibration"/>).</summary>
    public void SetCalibration(ThresholdCalibrationResult calibration)
    {
        ArgumentNullException.ThrowIfNull(calibration);
        if (!double.IsFinite(calibration.Threshold))
        {
            throw new ArgumentOutOfRangeException(nameof(calibration), calibration.Threshold, "The threshold must be finite.");
        }

        Calibration = calibration;
    }

    /// <summary>Sets the threshold by hand (method <see cref="ThresholdCalibrationMethod.Manual"/>, rates unknown).</summary>
    public void SetThreshold(double threshold) =>
        SetCalibration(new ThresholdCalibrationResult(threshold, double.NaN, double.NaN, ThresholdCalibrationMethod.Manual));

    /// <summary>A one-shot classifier over this model's embeddings with this model's head (see <see cref="SiameseClassifier"/>).</summary>
    public SiameseClassifier CreateClassifier() => new(new SiameseClassifierOptions { Head = Head });

    /// <summary>Disposes the embedder when the model loaded it (<see cref="Load"/>); an embedder given to the constructor is left to the caller.</summary>
    public void Dispose()
    {
        if (!_disposed)
        {
            _disposed = true;
            if (_ownsEmbedder)
            {
                Embedder.Dispose();
            }
        }
    }

    private static Tensor AsBatch(Tensor image, string argument)
    {
        ArgumentNullException.ThrowIfNull(image, argument);
        return image.dim() switch
        {
            3 => image.unsqueeze(0),
            4 when image.shape[0] == 1 => image.alias(),
            _ => throw new ArgumentException($"Expected one image [C,H,W] or [1,C,H,W]; got [{string.Join(",", image.shape)}].", argument),
        };
    }
}
