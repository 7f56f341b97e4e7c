namespace OneShot.Serialization;

/// <summary>
/// State-dict key patterns: a pattern matches a key exactly, except that each <c>*</c> matches any run of
/// characters, dots included (<c>fc.*</c> matches <c>fc.weight</c> and <c>fc.bias</c>; <c>*</c> matches every key).
/// </summary>
internal static class KeyPattern
{
    /// <summary>Whether any of <paramref name="patterns"/> matches <paramref name="key"/>.</summary>
    public static bool MatchesAny(IReadOnlyList<string> patterns, string key) => patterns.Any(p => Matches(p, key));

    /// <summary>Whether <paramref name="pattern"/> matches the whole of <paramref name="key"/>.</summary>
    public static bool Matches(string pattern, string key)
    {
        string[] parts = pattern.Split('*');
        if (parts.Length == 1)
        {
            return string.Equals(pattern, key, StringComparison.Ordinal);
        }

        if (!key.StartsWith(parts[0], StringComparison.Ordinal) || !key.EndsWith(parts[^1], StringComparison.Ordinal)
            || key.Length < parts[0].Length + parts[^1].Length)
        {
            return false;
        }

        int position = parts[0].Length;
        int limit = key.Length - parts[^1].Length;
        for (int i = 1; i < parts.Length - 1; i++)
        {
            int found = key.IndexOf(parts[i], position, limit - position, StringComparison.Ordinal);
            if (found < 0)
            {
                return false;
            }

            position = found + parts[i].Length;
        }

        return true;
    }
}
