namespace OneShot.QuickStart;

/// <summary>The command line of QuickStart.</summary>
public sealed record QuickStartOptions
{
    public string? SupportDir { get; init; }

    public string? QueryDir { get; init; }

    public string? ModelDir { get; init; }

    public int Classes { get; init; } = 20;

    public int QueriesPerClass { get; init; } = 10;

    public int Seed { get; init; } = 2026;

    public bool ForceTraining { get; init; }

    public const string Usage = """
        OneShot QuickStart: one-shot classification of classes the model never saw.

        usage: dotnet run --project samples/OneShot.QuickStart [-- options]
          --support DIR    your support images, one sub-folder per class (use with --query)
          --query DIR      your query images, one sub-folder per class (the folder name is the true label)
          --model DIR      an embedder saved with ModelFile.Save (default: models/omniglot-conv4 when present)
          --train          ignore the shipped model and briefly train a Conv4 on generated glyphs
          --classes N      generated task: number of new classes (default 20, at least 10)
          --queries N      generated task: held-out drawings per class (default 10)
          --seed N         generated task: seed (default 2026)
        """;

    /// <summary>Parses <paramref name="args"/>; throws <see cref="ArgumentException"/> naming the bad argument.</summary>
    public static QuickStartOptions Parse(string[] args)
    {
        var o = new QuickStartOptions();
        for (int i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
            int NextInt(int min)
            {
                string name = args[i];
                string text = Next();
                return int.TryParse(text, out int v) && v >= min ? v : throw new ArgumentException($"{name} takes a whole number >= {min}; got '{text}'.");
            }

            o = args[i] switch
            {
                "--support" => o with { SupportDir = Next() },
                "--query" => o with { QueryDir = Next() },
                "--model" => o with { ModelDir = Next() },
                "--train" => o with { ForceTraining = true },
                "--classes" => o with { Classes = NextInt(10) },
                "--queries" => o with { QueriesPerClass = NextInt(1) },
                "--seed" => o with { Seed = NextInt(0) },
                _ => throw new ArgumentException($"Unknown argument '{args[i]}'."),
            };
        }

        if ((o.SupportDir is null) != (o.QueryDir is null))
        {
            throw new ArgumentException("--support and --query go together.");
        }

        return o;
    }
}
