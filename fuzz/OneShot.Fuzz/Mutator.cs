namespace OneShot.Fuzz;

/// <summary>Deterministic byte-level mutations of a seed (flip, set to an interesting value, cut, insert, repeat), for the corpus smoke run.</summary>
public static class Mutator
{
    private static readonly byte[] Interesting = [0, 1, 0x7F, 0x80, 0xFF, 0xFE, 0x10, 0x40];

    /// <summary>The <paramref name="index"/>-th mutation of <paramref name="seed"/>; the same index always gives the same bytes.</summary>
    public static byte[] Mutate(byte[] seed, int index)
    {
        ArgumentNullException.ThrowIfNull(seed);
        var random = new Random(index);
        var data = new List<byte>(seed);
        int steps = 1 + random.Next(4);
        for (int s = 0; s < steps; s++)
        {
            int at = data.Count == 0 ? 0 : random.Next(data.Count);
            switch (random.Next(5))
            {
                case 0 when data.Count > 0:
                    data[at] ^= (byte)(1 << random.Next(8));
                    break;
                case 1 when data.Count > 0:
                    data[at] = Interesting[random.Next(Interesting.Length)];
                    break;
                case 2:
                    data.RemoveRange(at, Math.Min(data.Count - at, 1 + random.Next(16)));
                    break;
                case 3:
                    data.InsertRange(at, Enumerable.Range(0, 1 + random.Next(8)).Select(_ => (byte)random.Next(256)));
                    break;
                default:
                    if (data.Count > 0)
                    {
                        int length = Math.Min(data.Count - at, 1 + random.Next(32));
                        data.InsertRange(random.Next(data.Count), data.GetRange(at, length));
                    }

                    break;
            }
        }

        return [.. data];
    }
}
