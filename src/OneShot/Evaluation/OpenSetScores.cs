namespace OneShot.Evaluation;

/// <summary>Known-versus-unknown statistics over similarity scores (higher means more like a known class).</summary>
internal static class OpenSetScores
{
    /// <summary>The Mann-Whitney AUROC: P(known &gt; unknown) + ½·P(known = unknown).</summary>
    public static double Auroc(IReadOnlyList<double> known, IReadOnlyList<double> unknown)
    {
        if (known.Count == 0 || unknown.Count == 0)
        {
            throw new ArgumentException($"AUROC needs at least one known and one unknown score; got {known.Count} known and {unknown.Count} unknown.");
        }

        var all = known.Select(s => (Score: s, Known: true)).Concat(unknown.Select(s => (Score: s, Known: false)))
            .OrderBy(p => p.Score).ToArray();

        // Sum of the (tie-averaged) ranks of the known scores.
        double rankSum = 0;
        for (int i = 0; i < all.Length;)
        {
            int j = i;
            while (j < all.Length && all[j].Score == all[i].Score)
            {
                j++;
            }

            double averageRank = ((i + 1) + j) / 2.0;
            for (int k = i; k < j; k++)
            {
                rankSum += all[k].Known ? averageRank : 0;
            }

            i = j;
        }

        double n1 = known.Count, n0 = unknown.Count;
        return (rankSum - (n1 * (n1 + 1) / 2)) / (n1 * n0);
    }
}
