namespace OneShot.PostgreSql.Tests;

/// <summary>Reproducible test embeddings: labels as Gaussian clusters around random centres.</summary>
public static class Vectors
{
    public static float[] Gaussian(Random random, int d, float scale = 1f, float[]? centre = null)
    {
        var v = new float[d];
        for (int i = 0; i < d; i++)
        {
            double u1 = 1.0 - random.NextDouble(), u2 = random.NextDouble();
            v[i] = (centre?[i] ?? 0f) + scale * (float)(Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2));
        }

        return v;
    }

    /// <summary><paramref name="labels"/> clusters of <paramref name="perLabel"/> rows each; labels l0, l1, ...</summary>
    public static (string Label, float[] Row)[] Clusters(int seed, int labels, int perLabel, int d, float spread = 0.6f)
    {
        var random = new Random(seed);
        var centres = Enumerable.Range(0, labels).Select(_ => Gaussian(random, d)).ToArray();
        return Enumerable.Range(0, labels * perLabel)
            .Select(i => ($"l{i % labels}", Gaussian(random, d, spread, centres[i % labels])))
            .ToArray();
    }
}
