namespace OneShot.Training;

/// <summary>
/// Restrictions on how an episode is drawn: support and query items from separate item pools (for example item 0,
/// one artist's drawing, as support and item 1, another artist's, as query), and classes from one group at a time
/// (a subcategory, an alphabet).
/// </summary>
/// <param name="SupportItems">Item indices support items are drawn from; null for any item.</param>
/// <param name="QueryItems">Item indices query items are drawn from; required with <paramref name="SupportItems"/>.</param>
/// <param name="ClassGroups">The group of every class; when set, the classes of an episode all come from one group.</param>
/// <param name="SharedItemIndices">
/// When true, every class of an episode uses the same support item indices and the same (disjoint) query item indices,
/// so where item j of every class has one source (Omniglot's drawer j), support and query come from different sources.
/// </param>
internal sealed record EpisodeConstraints(IReadOnlyList<int>? SupportItems, IReadOnlyList<int>? QueryItems, IReadOnlyList<string>? ClassGroups, bool SharedItemIndices = false);
