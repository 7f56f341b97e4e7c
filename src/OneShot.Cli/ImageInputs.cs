namespace OneShot.Cli;

/// <summary>Turns command-line paths (image files, folders, class-folder trees) into image files.</summary>
internal static class ImageInputs
{
    private static readonly HashSet<string> Extensions = new(StringComparer.OrdinalIgnoreCase) { ".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp" };

    /// <summary>Image files of <paramref name="paths"/>: files as given, folders searched recursively, sorted.</summary>
    /// <exception cref="ArgumentException">A path does not exist, or nothing was found.</exception>
    public static List<string> Files(IReadOnlyList<string> paths)
    {
        var files = new List<string>();
        foreach (string path in paths)
        {
            if (File.Exists(path))
            {
                files.Add(path);
            }
            else if (Directory.Exists(path))
            {
                files.AddRange(ImagesUnder(path));
            }
            else
            {
                throw new ArgumentException($"'{path}' is neither an image file nor a folder.");
            }
        }

        return files.Count > 0 ? files : throw new ArgumentException($"No images (.png, .jpg, .jpeg, .bmp, .gif, .webp) found in {string.Join(", ", paths.Select(p => $"'{p}'"))}.");
    }

    /// <summary>
    /// Labelled images of a class-folder tree: each sub-folder of each of <paramref name="folders"/> is a class named after it,
    /// holding its images (searched recursively).
    /// </summary>
    /// <exception cref="ArgumentException">A path is not a folder, or it has no class sub-folders with images.</exception>
    public static List<(string Label, string File)> ClassFolders(IReadOnlyList<string> folders)
    {
        var result = new List<(string, string)>();
        foreach (string folder in folders)
        {
            if (!Directory.Exists(folder))
            {
                throw new ArgumentException($"Without --label, every path must be a class-folder tree (one sub-folder per class); '{folder}' is not a folder.");
            }

            foreach (string classDir in Directory.GetDirectories(folder).Order(StringComparer.Ordinal))
            {
                string label = Path.GetFileName(classDir);
                result.AddRange(ImagesUnder(classDir).Select(f => (label, f)));
            }
        }

        return result.Count > 0 ? result : throw new ArgumentException($"No class sub-folders with images found in {string.Join(", ", folders.Select(p => $"'{p}'"))}; give --label to enroll plain images.");
    }

    private static IEnumerable<string> ImagesUnder(string folder) =>
        Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories)
            .Where(f => Extensions.Contains(Path.GetExtension(f)))
            .Order(StringComparer.Ordinal);
}
