namespace OneShot.TransferVsFineTune;

/// <summary>The command line of the comparison.</summary>
public sealed record ComparisonOptions
{
    /// <summary>The Omniglot folder (archives or extracted); null finds <c>../shared/data/omniglot</c> or falls back to generated glyphs.</summary>
    public string? OmniglotDir { get; init; }

    /// <summary>Use generated glyphs even when Omniglot is present.</summary>
    public bool Generated { get; init; }

    /// <summary>The two-artist emoji folder: 1-shot tasks, Google's drawing the support, Twitter's the query.</summary>
    public string? EmojiDir { get; init; }

    /// <summary>Projection folders (<c>oneshot train-projection</c>, with or without tuned blocks) compared as rows (e), (e2), ...</summary>
    public IReadOnlyList<string> ProjectionDirs { get; init; } = [];

    /// <summary>Leave out row (c), the fine-tune of the pretrained body on each support set (the slow row).</summary>
    public bool SkipFineTune { get; init; }

    /// <summary>The pretrained embedder; null uses the shipped <c>models/omniglot-conv4</c>.</summary>
    public string? ModelDir { get; init; }

    /// <summary>The Siamese model; null uses the shipped <c>models/omniglot-siamese-conv4</c>.</summary>
    public string? SiameseDir { get; init; }

    /// <summary>New classes per task.</summary>
    public int Way { get; init; } = 20;

    /// <summary>Labelled examples per new class.</summary>
    public int Shot { get; init; } = 5;

    /// <summary>Held-out images per class to classify.</summary>
    public int Queries { get; init; } = 10;

    /// <summary>Random support draws, each a new set of classes and examples.</summary>
    public int Draws { get; init; } = 10;

    /// <summary>The seed of the draws and of every method's training.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>The usage text.</summary>
    public const string Usage = """
        OneShot TransferVsFineTune: one-shot metric learning, transfer learning and fine-tuning side by side.

        usage: dotnet run -c Release --project samples/OneShot.TransferVsFineTune [-- options]
          --omniglot DIR   Omniglot archives/folders (default: ../shared/data/omniglot when found);
                           the new classes are the Vinyals test characters, never seen by the shipped models
          --generated      use generated glyph classes instead of Omniglot
          --emoji DIR      the two-artist emoji set (test split): 1-shot, Google's drawing the support, Twitter's
                           the query; the model defaults to imagenet-resnet18 (built from the NuGet package once)
          --projection DIR also compare a projection trained by 'oneshot train-projection' (row e; repeat the
                           option for more: e2, e3, ...; a folder with tuned blocks is an episodic fine-tune)
          --skip-fine-tune leave out row (c), fine-tuning on each support set (minutes per draw for a ResNet-18)
          --model DIR      the pretrained embedder (default: the shipped models/omniglot-conv4)
          --siamese DIR    the Siamese model (default: the shipped models/omniglot-siamese-conv4)
          --way N          new classes per task (default 20)
          --shot N         labelled examples per new class (default 5)
          --queries N      held-out images per class to classify (default 10)
          --draws N        random support draws to average over (default 10)
          --seed N         seed of the draws and the training (default 1)
        """;

    /// <summary>Parses <paramref name="args"/>; throws <see cref="ArgumentException"/> naming the bad argument.</summary>
    public static ComparisonOptions Parse(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var o = new ComparisonOptions();
        bool shotGiven = false, queriesGiven = false;
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
                "--omniglot" => o with { OmniglotDir = Next() },
                "--generated" => o with { Generated = true },
                "--emoji" => o with { EmojiDir = Next() },
                "--projection" => o with { ProjectionDirs = [.. o.ProjectionDirs, Next()] },
                "--skip-fine-tune" => o with { SkipFineTune = true },
                "--model" => o with { ModelDir = Next() },
                "--siamese" => o with { SiameseDir = Next() },
                "--way" => o with { Way = NextInt(2) },
                "--shot" => o with { Shot = Given(ref shotGiven, NextInt(1)) },
                "--queries" => o with { Queries = Given(ref queriesGiven, NextInt(1)) },
                "--draws" => o with { Draws = NextInt(1) },
                "--seed" => o with { Seed = NextInt(0) },
                _ => throw new ArgumentException($"Unknown argument '{args[i]}'."),
            };
        }

        static int Given(ref bool flag, int value)
        {
            flag = true;
            return value;
        }

        if (new[] { o.Generated, o.OmniglotDir is not null, o.EmojiDir is not null }.Count(x => x) > 1)
        {
            throw new ArgumentException("--generated, --omniglot and --emoji exclude each other.");
        }

        if (o.EmojiDir is not null)
        {
            if ((shotGiven && o.Shot != 1) || (queriesGiven && o.Queries != 1))
            {
                throw new ArgumentException("--emoji has two drawings per emoji: 1 shot (Google) and 1 query (Twitter); leave --shot and --queries out.");
            }

            return o with { Shot = 1, Queries = 1 };
        }

        if (o.Shot + o.Queries > 20)
        {
            throw new ArgumentException($"--shot + --queries must be at most 20 (Omniglot has 20 drawings per character); got {o.Shot + o.Queries}.");
        }

        return o;
    }
}
