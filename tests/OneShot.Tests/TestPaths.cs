namespace OneShot.Tests;

/// <summary>Locates the shared test data (../shared/data beside the checkout) and scratch folders.</summary>
internal static class TestPaths
{
    /// <summary>The trait for tests that need ../shared/data. They fail loudly when it is missing.</summary>
    public const string SharedDataTrait = "SharedData";

    /// <summary>The trait for long, real runs (training to an accuracy) that CI runs when time allows.</summary>
    public const string SlowTrait = "Slow";

    /// <summary>The repository root: the folder holding OneShot.sln, found upwards from the test binaries.</summary>
    public static string RepoRoot { get; } = FindRepoRoot();

    /// <summary>
    /// The shared data folder: $ONESHOT_SHARED_DATA when set, else ../shared/data beside the repository.
    /// Throws (does not skip) when it is missing, so CI cannot pass silently without the data.
    /// </summary>
    public static string SharedData
    {
        get
        {
            string? fromEnv = Environment.GetEnvironmentVariable("ONESHOT_SHARED_DATA");
            string path = !string.IsNullOrEmpty(fromEnv) ? fromEnv : Path.GetFullPath(Path.Combine(RepoRoot, "..", "shared", "data"));
            if (!Directory.Exists(path))
            {
                throw new DirectoryNotFoundException(
                    $"Shared test data not found at '{path}'. Tests with the trait Category={SharedDataTrait} need ../shared/data beside the checkout (or ONESHOT_SHARED_DATA).");
            }

            return path;
        }
    }

    /// <summary>The shared Omniglot folder (archives and Vinyals splits).</summary>
    public static string Omniglot => Path.Combine(SharedData, "omniglot");

    /// <summary>Creates a new empty scratch folder under the system temp folder.</summary>
    public static string NewTempFolder(string prefix = "oneshot-test")
    {
        string path = Path.Combine(Path.GetTempPath(), $"{prefix}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(path);
        return path;
    }

    private static string FindRepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "OneShot.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new DirectoryNotFoundException($"OneShot.sln not found above '{AppContext.BaseDirectory}'.");
    }
}
