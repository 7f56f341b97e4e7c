namespace OneShot.QuickStart;

/// <summary>Reads a class-folder tree: one sub-folder per class, image files inside.</summary>
internal static class ClassFolders
{
    private static readonly HashSet<string> ImageExtensions = new(StringComparer.OrdinalIgnoreCase)
    {
        ".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp",
    };

    public static List<(string Label, List<string> Files)> Read(string root, string argument)
    {
        if (!Directory.Exists(root))
        {
            throw new ArgumentException($"{argument}: folder '{root}' does not exist; expected one sub-folder of images per class.");
        }

        var classes = new List<(string, List<string>)>();
        foreach (string dir in Directory.GetDirectories(root).Order(StringComparer.Ordinal))
        {
            var files = Directory.GetFiles(dir)
                .Where(f => ImageExtensions.Contains(Path.GetExtension(f)))
                .Order(StringComparer.Ordinal)
                .ToList();
            if (files.Count > 0)
            {
                classes.Add((Path.GetFileName(dir), files));
            }
        }

        if (classes.Count < 2)
        {
            throw new ArgumentException($"{argument}: folder '{root}' has {classes.Count} class sub-folder(s) with images; expected at least 2.");
        }

        return classes;
    }
}
