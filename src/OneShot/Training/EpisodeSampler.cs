using System.Globalization;
using OneShot.Data;
using static TorchSharp.torch;

namespace OneShot.Training;

/// <summary>
/// Samples N-way K-shot Q-query episodes from an <see cref="IClassDataset"/>: N distinct classes, and in each
/// K support and Q query items drawn without replacement (support and query disjoint), labels remapped to 0..N-1.
/// </summary>
/// <remarks>
/// Classes with fewer than K+Q items are left out up front (see <see cref="ExcludedClasses"/>); the constructor
/// throws when fewer than N classes remain. Sampling is deterministic for a seed: <see cref="Sample(int, long)"/>
/// derives the generator from (seed, episode), so any episode can be reproduced without replaying the ones before.
/// Safe to use from many threads when each call gets its own <see cref="Random"/>.
/// </remarks>
public sealed class EpisodeSampler
{
    private readonly int[] _eligible;
    private readonly int[]? _supportPool;
    private readonly int[]? _queryPool;
    private readonly int[][]? _groups;
    private readonly bool _sharedItems;

    /// <summary>Creates a sampler and checks that N-way K-shot Q-query episodes are possible on <paramref name="dataset"/>.</summary>
    /// <param name="dataset">The classes to sample from.</param>
    /// <param name="way">Classes per episode N (at least 1).</param>
    /// <param name="shot">Support items per class K (at least 1).</param>
    /// <param name="query">Query items per class Q (at least 1).</param>
    /// <exception cref="ArgumentException">Fewer than <paramref name="way"/> classes have at least K+Q items.</exception>
    public EpisodeSampler(IClassDataset dataset, int way, int shot, int query)
        : this(dataset, way, shot, query, null)
    {
    }

    /// <summary>Creates a sampler whose episodes also follow <paramref name="constraints"/> (item pools, class groups).</summary>
    internal EpisodeSampler(IClassDataset dataset, int way, int shot, int query, EpisodeConstraints? constraints)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        ArgumentOutOfRangeException.ThrowIfLessThan(way, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(shot, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(query, 1);
        Dataset = dataset;
        Way = way;
        Shot = shot;
        Query = query;

        int needed = shot + query;
        _supportPool = constraints?.SupportItems?.ToArray();
        _queryPool = constraints?.QueryItems?.ToArray();
        _sharedItems = constraints?.SharedItemIndices ?? false;
        var eligible = new List<int>();
        var excluded = new List<int>();
        for (int c = 0; c < dataset.Classes.Count; c++)
        {
            int count = dataset.CountOf(c);
            bool enough = _supportPool is null
                ? count >= needed
                : _supportPool.Count(j => j < count) >= shot && _queryPool!.Count(j => j < count) >= query;
            (enough ? eligible : excluded).Add(c);
        }

        _eligible = eligible.ToArray();
        ExcludedClasses = excluded;
        if (_eligible.Length < way)
        {
            throw new ArgumentException(Describe(dataset, way, shot, query, excluded), nameof(dataset));
        }

        if (constraints?.ClassGroups is { } names)
        {
            if (names.Count != dataset.Classes.Count)
            {
                throw new ArgumentException($"ClassGroups has {names.Count} entries; the dataset has {dataset.Classes.Count} classes (one group name per class expected).", nameof(constraints));
            }

            _groups = [.. _eligible.GroupBy(c => names[c], StringComparer.Ordinal).Select(g => g.ToArray()).Where(g => g.Length >= way)];
            if (_groups.Length == 0)
            {
                throw new ArgumentException($"{way}-way episodes within one group need a group of at least {way} eligible classes; the largest has {_eligible.GroupBy(c => names[c], StringComparer.Ordinal).Max(g => g.Count())}.", nameof(constraints));
            }
        }
    }

    /// <summary>The number of class groups episodes are drawn within (0 when classes are drawn from all groups).</summary>
    internal int GroupCount => _groups?.Length ?? 0;

    /// <summary>The dataset episodes are drawn from.</summary>
    public IClassDataset Dataset { get; }

    /// <summary>Classes per episode N.</summary>
    public int Way { get; }

    /// <summary>Support items per class K.</summary>
    public int Shot { get; }

    /// <summary>Query items per class Q.</summary>
    public int Query { get; }

    /// <summary>The classes that can appear in an episode (those with at least K+Q items).</summary>
    public IReadOnlyList<int> EligibleClasses => _eligible;

    /// <summary>The classes left out because they hold fewer than K+Q items.</summary>
    public IReadOnlyList<int> ExcludedClasses { get; }

    /// <summary>Samples episode number <paramref name="episode"/> of the sequence fixed by <paramref name="seed"/>.</summary>
    public Episode Sample(int seed, long episode) => Sample(CreateRandom(seed, episode));

    /// <summary>Samples an episode with <paramref name="random"/> and loads its images.</summary>
    public Episode Sample(Random random) => Load(Plan(random));

    /// <summary>A generator for episode <paramref name="episode"/> of the sequence fixed by <paramref name="seed"/>.</summary>
    internal static Random CreateRandom(int seed, long episode)
    {
        // SplitMix64 of the pair, so neighbouring (seed, episode) pairs give unrelated generators.
        ulong z = unchecked(((ulong)(uint)seed << 32) ^ (ulong)episode) + 0x9E3779B97F4A7C15UL;
        z = unchecked((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL);
        z = unchecked((z ^ (z >> 27)) * 0x94D049BB133111EBUL);
        z ^= z >> 31;
        return new Random((int)(z & 0x7FFFFFFF));
    }

    /// <summary>
    /// A TorchSharp CPU generator for step <paramref name="episode"/> of the sequence fixed by <paramref name="seed"/>
    /// (seeded from <see cref="CreateRandom"/>), for per-step tensor randomness such as augmentation that a resumed run
    /// must draw again identically. The caller disposes it.
    /// </summary>
    internal static Generator CreateGenerator(int seed, long episode) => new((ulong)CreateRandom(seed, episode).NextInt64());

    /// <summary>Draws the classes and items of one episode without loading anything.</summary>
    internal EpisodePlan Plan(Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        var classes = (int[])(_groups is null ? _eligible : _groups[random.Next(_groups.Length)]).Clone();
        PartialShuffle(classes, Way, random);
        var chosen = classes.AsSpan(0, Way).ToArray();
        var support = new int[Way][];
        var query = new int[Way][];
        if (_sharedItems)
        {
            (int[] s, int[] q) = DrawItems(chosen.Min(Dataset.CountOf), random);
            for (int i = 0; i < Way; i++)
            {
                support[i] = s;
                query[i] = q;
            }

            return new EpisodePlan(chosen, support, query, Shot, Query);
        }

        for (int i = 0; i < Way; i++)
        {
            (support[i], query[i]) = DrawItems(Dataset.CountOf(chosen[i]), random);
        }

        return new EpisodePlan(chosen, support, query, Shot, Query);
    }

    /// <summary>Draws the support and query item indices of one class (or, with shared indices, of all) among the first <paramref name="count"/> items.</summary>
    private (int[] Support, int[] Query) DrawItems(int count, Random random)
    {
        if (_supportPool is not null)
        {
            var supportItems = _supportPool.Where(j => j < count).ToArray();
            var queryItems = _queryPool!.Where(j => j < count).ToArray();
            PartialShuffle(supportItems, Shot, random);
            PartialShuffle(queryItems, Query, random);
            return (supportItems.AsSpan(0, Shot).ToArray(), queryItems.AsSpan(0, Query).ToArray());
        }

        var items = new int[count];
        for (int j = 0; j < count; j++)
        {
            items[j] = j;
        }

        PartialShuffle(items, Shot + Query, random);
        return (items.AsSpan(0, Shot).ToArray(), items.AsSpan(Shot, Query).ToArray());
    }

    /// <summary>Loads the images of <paramref name="plan"/>: one dataset read per class.</summary>
    internal Episode Load(EpisodePlan plan)
    {
        using var scope = NewDisposeScope();
        var supportParts = new List<Tensor>(plan.Way);
        var queryParts = new List<Tensor>(plan.Way);
        for (int i = 0; i < plan.Way; i++)
        {
            var items = new int[plan.Shot + plan.Query];
            plan.SupportItems[i].CopyTo(items, 0);
            plan.QueryItems[i].CopyTo(items, plan.Shot);
            var loaded = Dataset.Load(plan.ClassIndices[i], items);
            supportParts.Add(loaded.narrow(0, 0, plan.Shot));
            queryParts.Add(loaded.narrow(0, plan.Shot, plan.Query));
        }

        var support = cat(supportParts, 0);
        var query = cat(queryParts, 0);
        var supportLabels = Labels(plan.Way, plan.Shot);
        var queryLabels = Labels(plan.Way, plan.Query);
        return new Episode(
            plan,
            support.MoveToOuterDisposeScope(),
            supportLabels.MoveToOuterDisposeScope(),
            query.MoveToOuterDisposeScope(),
            queryLabels.MoveToOuterDisposeScope());
    }

    /// <summary>Labels <c>0 (x per), 1 (x per), ...</c> as int64.</summary>
    internal static Tensor Labels(int way, int per)
    {
        var labels = new long[way * per];
        for (int i = 0; i < labels.Length; i++)
        {
            labels[i] = i / per;
        }

        return tensor(labels);
    }

    private static void PartialShuffle(int[] values, int count, Random random)
    {
        for (int i = 0; i < count; i++)
        {
            int j = random.Next(i, values.Length);
            (values[i], values[j]) = (values[j], values[i]);
        }
    }

    private static string Describe(IClassDataset dataset, int way, int shot, int query, List<int> excluded)
    {
        var ci = CultureInfo.InvariantCulture;
        int total = dataset.Classes.Count;
        if (total < way)
        {
            return string.Format(ci, "{0}-way episodes need at least {0} classes; the dataset has {1}.", way, total);
        }

        var examples = excluded.Take(5).Select(c => string.Format(ci, "'{0}' ({1} items)", dataset.Classes[c], dataset.CountOf(c)));
        return string.Format(
            ci,
            "{0}-way {1}-shot {2}-query episodes need {0} classes with at least {3} items (K+Q); only {4} of the dataset's {5} classes have that many. Classes with too few items: {6}{7}.",
            way,
            shot,
            query,
            shot + query,
            total - excluded.Count,
            total,
            string.Join(", ", examples),
            excluded.Count > 5 ? string.Format(ci, " and {0} more", excluded.Count - 5) : string.Empty);
    }
}
