using OneShot.Classification;
using OneShot.Data;
using OneShot.Training;

namespace OneShot.Evaluation;

/// <summary>
/// The protocol of an episode evaluation. Defaults are the standard few-shot protocol:
/// 5-way 1-shot with 15 queries per class over 1,000 episodes, seed 1, nearest prototype with squared Euclidean distance.
/// </summary>
public sealed record EpisodeEvaluationOptions
{
    private readonly int _way = 5;
    private readonly int _shot = 1;
    private readonly int _query = 15;
    private readonly int _episodes = 1000;
    private readonly int _unknownWay;
    private readonly ClassifierOptions _classifier = new PrototypeClassifierOptions();

    /// <summary>Classes per episode N. Default 5.</summary>
    public int Way { get => _way; init => _way = AtLeast(value, 2, nameof(Way)); }

    /// <summary>Support items per class K. Default 1.</summary>
    public int Shot { get => _shot; init => _shot = AtLeast(value, 1, nameof(Shot)); }

    /// <summary>Query items per class Q. Default 15.</summary>
    public int Query { get => _query; init => _query = AtLeast(value, 1, nameof(Query)); }

    /// <summary>The number of episodes E. Default 1,000.</summary>
    public int Episodes { get => _episodes; init => _episodes = AtLeast(value, 1, nameof(Episodes)); }

    /// <summary>
    /// Open-set episodes: this many more classes per episode whose queries are scored as unknowns (they have no support
    /// items), for <see cref="EvaluationResult.OpenSet"/> (AUROC of known versus unknown, and false-accept/false-reject
    /// rates at the classifier's <see cref="ClassifierOptions.UnknownThreshold"/>). The accuracy counts known queries
    /// only, but the episodes differ from those drawn with 0. Default 0 (closed set).
    /// </summary>
    public int UnknownWay { get => _unknownWay; init => _unknownWay = AtLeast(value, 0, nameof(UnknownWay)); }

    /// <summary>Fixes the episodes: episode e is drawn from (Seed, e), as <see cref="EpisodeSampler.Sample(int, long)"/> does. Default 1.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>
    /// The few-shot method measured: each episode fits <see cref="ClassifierOptions.CreateClassifier"/> to the support
    /// embeddings and predicts the queries; a query counts as right when its predicted label is its class (an open-set
    /// rejection counts as wrong). Default: <see cref="PrototypeClassifierOptions"/> (nearest prototype, squared Euclidean).
    /// </summary>
    public ClassifierOptions Classifier
    {
        get => _classifier;
        init => _classifier = value ?? throw new ArgumentNullException(nameof(Classifier));
    }

    /// <summary>
    /// Null (the default) embeds every item of the dataset once when the episodes would read at least as many
    /// images as it holds, otherwise embeds per episode. True or false forces one way. Embeddings in evaluation mode
    /// do not depend on the batch, so both give the same result up to float rounding.
    /// </summary>
    /// <summary>
    /// Item indices the support items are drawn from, with <see cref="QueryItems"/> for the queries: a cross-domain
    /// protocol such as the two-artist emoji task (support <c>[0]</c>, Google's drawing; query <c>[1]</c>, Twitter's).
    /// Null (the default) draws support and query items from all items, never the same item twice.
    /// </summary>
    public IReadOnlyList<int>? SupportItems { get; init; }

    /// <summary>Item indices the query items are drawn from; set together with <see cref="SupportItems"/>.</summary>
    public IReadOnlyList<int>? QueryItems { get; init; }

    /// <summary>
    /// The group of every class of the dataset (for example <see cref="OneShot.Data.EmojiDataset.ClassGroups"/>, the
    /// subcategories): when set, all classes of an episode come from one group (drawn uniformly among the groups with
    /// at least <see cref="Way"/> classes), the harder within-group protocol. Null (the default) draws from all classes.
    /// </summary>
    public IReadOnlyList<string>? ClassGroups { get; init; }

    /// <summary>
    /// When true, every class of an episode uses the same support item indices and the same, disjoint, query item
    /// indices. In Omniglot item j of every character of an alphabet is drawn by drawer j, so the support images of an
    /// episode all come from one drawer and the queries from other drawers, as in Lake et al.'s one-shot task.
    /// Default false (items drawn per class).
    /// </summary>
    public bool SharedItemIndices { get; init; }

    internal bool? EmbedAllOnce { get; init; }

    /// <summary>
    /// Lake et al.'s within-alphabet one-shot protocol on <paramref name="omniglot"/> (usually the evaluation set, no
    /// rotations): the classes of an episode all come from one alphabet (<see cref="ClassGroups"/>), and support and
    /// query images are by different drawers (<see cref="SharedItemIndices"/>).
    /// </summary>
    /// <param name="omniglot">The Omniglot classes, named <c>Alphabet/characterNN[/rotDDD]</c>.</param>
    /// <returns>These options with the alphabet groups and shared item indices set.</returns>
    public EpisodeEvaluationOptions WithinAlphabet(IClassDataset omniglot)
    {
        ArgumentNullException.ThrowIfNull(omniglot);
        string[] alphabets = [.. omniglot.Classes.Select(OmniglotDataset.AlphabetOf)];
        return this with { ClassGroups = alphabets, SharedItemIndices = true };
    }

    /// <summary>
    /// Lake et al.'s 20 one-shot runs (<see cref="LakeOneShotRuns"/>) on <paramref name="omniglot"/> (Omniglot's
    /// evaluation set without rotations): 20 fixed 20-way 1-shot episodes with one query per class, the support of each
    /// run by one drawer and its queries by another, 400 trials. The accuracy is the mean over the runs (Lake et al.'s
    /// figure); the seed, groups and item pools of these options no longer apply.
    /// </summary>
    /// <param name="omniglot">The evaluation set, classes named <c>Alphabet/characterNN</c>, item j drawn by drawer j + 1.</param>
    /// <returns>These options with the 20 runs as their episodes.</returns>
    /// <exception cref="ArgumentException">A character of the runs is not a class of <paramref name="omniglot"/>, or has fewer drawings than its drawer's number.</exception>
    public EpisodeEvaluationOptions LakeRuns(IClassDataset omniglot)
    {
        ArgumentNullException.ThrowIfNull(omniglot);
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int c = 0; c < omniglot.Classes.Count; c++)
        {
            index.TryAdd(omniglot.Classes[c], c);
        }

        var runs = LakeOneShotRuns.Runs;
        var missing = runs.SelectMany(r => r.Characters.Select(r.ClassName)).Where(n => !index.ContainsKey(n)).Distinct().ToList();
        if (missing.Count > 0)
        {
            throw new ArgumentException(
                $"Lake et al.'s 20 runs need Omniglot's evaluation set without rotations (split 'evaluation'): {missing.Count} of their 200 characters are not classes of this dataset ({omniglot.Classes.Count} classes), for example {missing[0]}.",
                nameof(omniglot));
        }

        var plans = new List<EpisodePlan>(runs.Count);
        foreach (var run in runs)
        {
            int[] classes = [.. run.Characters.Select(c => index[run.ClassName(c)])];
            int needed = Math.Max(run.SupportDrawer, run.QueryDrawer);
            int shortClass = classes.Where(c => omniglot.CountOf(c) < needed).DefaultIfEmpty(-1).First();
            if (shortClass >= 0)
            {
                throw new ArgumentException(
                    $"Run {run.Number} needs drawer {needed}'s drawing of {omniglot.Classes[shortClass]}, which has only {omniglot.CountOf(shortClass)} images.",
                    nameof(omniglot));
            }

            plans.Add(new EpisodePlan(
                classes,
                [.. classes.Select(_ => new[] { run.SupportDrawer - 1 })],
                [.. classes.Select(_ => new[] { run.QueryDrawer - 1 })],
                Shot: 1,
                Query: 1));
        }

        return this with
        {
            Way = 20, Shot = 1, Query = 1, Episodes = runs.Count, UnknownWay = 0,
            ClassGroups = null, SharedItemIndices = false, SupportItems = null, QueryItems = null, FixedPlans = plans,
        };
    }

    /// <summary>The fixed episodes of <see cref="LakeRuns"/>, or null when episodes are drawn from <see cref="Seed"/>.</summary>
    internal IReadOnlyList<EpisodePlan>? FixedPlans { get; init; }

    /// <summary>Episode <paramref name="episode"/>: the fixed one, or the one <paramref name="sampler"/> draws from (<see cref="Seed"/>, episode).</summary>
    internal EpisodePlan PlanOf(EpisodeSampler sampler, int episode) =>
        FixedPlans is { } plans ? plans[episode] : sampler.Plan(EpisodeSampler.CreateRandom(Seed, episode));

    /// <summary>The sampler constraints these options ask for, or null.</summary>
    internal EpisodeConstraints? Constraints()
    {
        if (FixedPlans is { } plans && (plans.Count != Episodes || UnknownWay != 0 || plans.Any(p => p.Way != Way || p.Shot != Shot || p.Query != Query)))
        {
            throw new ArgumentException(
                $"Lake et al.'s runs are {plans.Count} fixed 20-way 1-shot 1-query episodes without unknowns; these options were changed after LakeRuns to {Episodes} episodes of {Way}-way {Shot}-shot {Query}-query with {UnknownWay} unknown classes.");
        }

        if ((SupportItems is null) != (QueryItems is null))
        {
            throw new ArgumentException("Set both SupportItems and QueryItems, or neither.");
        }

        if (SupportItems is not null && (SupportItems.Count == 0 || QueryItems!.Count == 0 || SupportItems.Concat(QueryItems).Any(i => i < 0)))
        {
            throw new ArgumentException("SupportItems and QueryItems must each list at least one item index, none negative.");
        }

        if (SupportItems is not null && SupportItems.Intersect(QueryItems!).Any())
        {
            throw new ArgumentException($"SupportItems and QueryItems share items ({string.Join(", ", SupportItems.Intersect(QueryItems!))}): a query would be its own support.");
        }

        return SupportItems is null && ClassGroups is null && !SharedItemIndices ? null : new EpisodeConstraints(SupportItems, QueryItems, ClassGroups, SharedItemIndices);
    }

    private static int AtLeast(int value, int minimum, string name) =>
        value >= minimum ? value : throw new ArgumentOutOfRangeException(name, value, $"{name} must be at least {minimum}.");
}
