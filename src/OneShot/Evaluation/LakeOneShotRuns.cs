using System.Globalization;

namespace OneShot.Evaluation;

/// <summary>
/// One of the 20 runs of Lake et al.'s one-shot classification task (Science, 2015): 20 characters of one alphabet of
/// Omniglot's evaluation set, each enrolled from the drawing of one drawer and classified from the drawing of another.
/// </summary>
/// <param name="Number">The run's number, 1 to 20 (<c>run01</c> to <c>run20</c> of <c>all_runs.zip</c>).</param>
/// <param name="Alphabet">The alphabet, named as the folder of <c>images_evaluation.zip</c>.</param>
/// <param name="SupportDrawer">The drawer (1 to 20, the <c>_NN</c> suffix of the image names) of the 20 training images.</param>
/// <param name="QueryDrawer">The drawer of the 20 test images.</param>
/// <param name="Characters">The characters (the <c>characterNN</c> folders) of the run.</param>
public sealed record LakeOneShotRun(int Number, string Alphabet, int SupportDrawer, int QueryDrawer, IReadOnlyList<int> Characters)
{
    /// <summary>The Omniglot class name (<c>Alphabet/characterNN</c>) of <paramref name="character"/>.</summary>
    /// <param name="character">A character number, such as an entry of <see cref="Characters"/>.</param>
    /// <returns>The class name as <see cref="OneShot.Data.OmniglotDataset"/> lists it.</returns>
    public string ClassName(int character) => string.Create(CultureInfo.InvariantCulture, $"{Alphabet}/character{character:D2}");
}

/// <summary>
/// The 20 runs of Lake et al.'s one-shot classification task, the episodes behind the published figures on it (people
/// 95.5 %, Bayesian Program Learning 96.7 %, Koch et al.'s Siamese network 92.0 %): two runs for each of ten alphabets of
/// the evaluation set, 20-way 1-shot with one test image per character, 400 trials in all.
/// </summary>
/// <remarks>
/// The runs are those of <c>python/one-shot-classification/all_runs.zip</c> in github.com/brendenlake/omniglot (MIT),
/// identified in <c>images_evaluation.zip</c> by their checksums (the correspondence github.com/jvlmdr/omniglot-eval
/// lists in <c>lake-evaluation/run_images.txt</c>): every training image of a run is by one drawer and every test image
/// by another, and each test image is classified among the run's 20 training images on its own.
/// <see cref="EpisodeEvaluationOptions.LakeRuns"/> evaluates a model on them.
/// </remarks>
public static class LakeOneShotRuns
{
    /// <summary>The 20 runs, in order.</summary>
    public static IReadOnlyList<LakeOneShotRun> Runs { get; } =
    [
        new(1, "Atlantean", 5, 8, [1, 2, 3, 4, 5, 7, 8, 9, 10, 13, 14, 16, 19, 20, 21, 22, 23, 24, 25, 26]),
        new(2, "Atlantean", 3, 2, [1, 2, 3, 4, 5, 7, 8, 9, 10, 13, 14, 16, 19, 20, 21, 22, 23, 24, 25, 26]),
        new(3, "Ge_ez", 3, 7, [1, 2, 3, 4, 5, 6, 8, 9, 10, 12, 14, 15, 16, 17, 18, 20, 21, 23, 24, 25]),
        new(4, "Ge_ez", 4, 2, [1, 2, 3, 4, 5, 6, 8, 9, 10, 12, 14, 15, 16, 17, 18, 20, 21, 23, 24, 25]),
        new(5, "Glagolitic", 6, 4, [1, 2, 3, 5, 6, 7, 14, 17, 18, 19, 20, 21, 26, 28, 31, 34, 36, 37, 40, 43]),
        new(6, "Glagolitic", 3, 2, [1, 2, 3, 5, 6, 7, 14, 17, 18, 19, 20, 21, 26, 28, 31, 34, 36, 37, 40, 43]),
        new(7, "Gurmukhi", 5, 2, [3, 6, 7, 8, 9, 13, 14, 15, 16, 17, 22, 25, 26, 29, 31, 32, 33, 38, 43, 44]),
        new(8, "Gurmukhi", 8, 3, [3, 6, 7, 8, 9, 13, 14, 15, 16, 17, 22, 25, 26, 29, 31, 32, 33, 38, 43, 44]),
        new(9, "Kannada", 2, 1, [1, 3, 5, 8, 11, 12, 13, 14, 19, 20, 21, 23, 25, 26, 27, 28, 33, 35, 40, 41]),
        new(10, "Kannada", 8, 3, [1, 3, 5, 8, 11, 12, 13, 14, 19, 20, 21, 23, 25, 26, 27, 28, 33, 35, 40, 41]),
        new(11, "Malayalam", 3, 7, [2, 4, 5, 9, 13, 14, 15, 16, 17, 19, 20, 21, 22, 25, 27, 29, 30, 37, 43, 46]),
        new(12, "Malayalam", 4, 2, [2, 4, 5, 9, 13, 14, 15, 16, 17, 19, 20, 21, 22, 25, 27, 29, 30, 37, 43, 46]),
        new(13, "Manipuri", 8, 4, [3, 4, 6, 8, 9, 11, 12, 13, 15, 17, 19, 21, 22, 25, 29, 33, 35, 36, 37, 39]),
        new(14, "Manipuri", 7, 3, [3, 4, 6, 8, 9, 11, 12, 13, 15, 17, 19, 21, 22, 25, 29, 33, 35, 36, 37, 39]),
        new(15, "Old_Church_Slavonic_(Cyrillic)", 4, 8, [2, 4, 5, 6, 7, 8, 9, 11, 12, 13, 14, 15, 23, 24, 25, 30, 33, 41, 44, 45]),
        new(16, "Old_Church_Slavonic_(Cyrillic)", 1, 2, [2, 4, 5, 6, 7, 8, 9, 11, 12, 13, 14, 15, 23, 24, 25, 30, 33, 41, 44, 45]),
        new(17, "Tengwar", 1, 4, [1, 2, 4, 5, 7, 8, 9, 10, 11, 12, 13, 16, 18, 19, 20, 21, 22, 23, 24, 25]),
        new(18, "Tengwar", 8, 7, [1, 2, 4, 5, 7, 8, 9, 10, 11, 12, 13, 16, 18, 19, 20, 21, 22, 23, 24, 25]),
        new(19, "Tibetan", 1, 3, [1, 2, 3, 5, 6, 7, 8, 9, 11, 13, 14, 15, 21, 22, 24, 33, 35, 36, 38, 41]),
        new(20, "Tibetan", 8, 5, [1, 2, 3, 5, 6, 7, 8, 9, 11, 13, 14, 15, 21, 22, 24, 33, 35, 36, 38, 41]),
    ];
}
