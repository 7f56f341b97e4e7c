namespace OneShot.Onnx;

/// <summary>Small vector helpers on <c>float</c> spans.</summary>
internal static class VectorMath
{
    /// <summary>Scales <paramref name="v"/> to unit L2 norm as torch's <c>normalize</c> does: <c>v / max(||v||, 1e-12)</c>.</summary>
    public static void NormalizeInPlace(Span<float> v)
    {
        double sum = 0;
        foreach (float x in v)
        {
            sum += (double)x * x;
        }

        float scale = (float)(1.0 / Math.Max(Math.Sqrt(sum), 1e-12));
        for (int i = 0; i < v.Length; i++)
        {
            v[i] *= scale;
        }
    }

    /// <summary>The cosine distance <c>1 - a.b / (|a| |b|)</c>, in [0, 2].</summary>
    public static float CosineDistance(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        double dot = 0, na = 0, nb = 0;
        for (int i = 0; i < a.Length; i++)
        {
            dot += (double)a[i] * b[i];
            na += (double)a[i] * a[i];
            nb += (double)b[i] * b[i];
        }

        return (float)(1 - (dot / Math.Max(Math.Sqrt(na) * Math.Sqrt(nb), 1e-12)));
    }
}
