namespace OneShot.Data;

/// <summary>One Omniglot class: a character (<c>Alphabet/characterNN</c>) at a rotation of 0..3 quarter turns counter-clockwise.</summary>
internal readonly record struct OmniglotClassSpec(string Name, string Character, int QuarterTurns)
{
    /// <summary>The four rotations of a character as classes named <c>Alphabet/characterNN/rotDDD</c>.</summary>
    public static IEnumerable<OmniglotClassSpec> AllRotations(string character) =>
        Enumerable.Range(0, 4).Select(k => new OmniglotClassSpec($"{character}/rot{k * 90:000}", character, k));

    /// <summary>Reads a Vinyals split list: one <c>Alphabet/characterNN/rotDDD</c> per line, DDD in 000, 090, 180, 270.</summary>
    /// <exception cref="DatasetException">The file is missing or a line is malformed.</exception>
    public static List<OmniglotClassSpec> ReadSplitFile(string path)
    {
        if (!File.Exists(path))
        {
            throw new DatasetException(path,
                $"Omniglot split list '{path}' was not found; expected a Vinyals split file (lines 'Alphabet/characterNN/rotDDD'), e.g. from ../shared/data/omniglot/splits/vinyals.");
        }

        var result = new List<OmniglotClassSpec>();
        int lineNumber = 0;
        foreach (string raw in File.ReadLines(path))
        {
            lineNumber++;
            string line = raw.Trim();
            if (line.Length == 0)
            {
                continue;
            }

            string[] parts = line.Split('/');
            int degrees = -1;
            bool ok = parts.Length == 3 && parts[2].Length == 6 && parts[2].StartsWith("rot", StringComparison.Ordinal)
                && int.TryParse(parts[2].AsSpan(3), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out degrees)
                && degrees % 90 == 0 && degrees < 360;
            if (!ok)
            {
                throw new DatasetException(path,
                    $"Omniglot split list '{path}' line {lineNumber} is '{line}'; expected 'Alphabet/characterNN/rotDDD' with DDD one of 000, 090, 180, 270.");
            }

            result.Add(new OmniglotClassSpec(line, parts[0] + "/" + parts[1], degrees / 90));
        }

        return result;
    }
}
