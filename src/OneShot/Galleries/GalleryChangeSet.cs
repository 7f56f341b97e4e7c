namespace OneShot.Galleries;

/// <summary>What <see cref="IGalleryStore.ReadChanges"/> returns: the changes to apply, in commit order, and the version they lead to.</summary>
/// <param name="Version">The version after applying <paramref name="Changes"/>.</param>
/// <param name="IsComplete">True when <paramref name="Changes"/> is the whole content (only additions), to apply to an empty gallery.</param>
/// <param name="Changes">The changes in commit order.</param>
public sealed record GalleryChangeSet(long Version, bool IsComplete, IReadOnlyList<GalleryChange> Changes);
