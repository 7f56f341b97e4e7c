using OneShot.Embeddings;

namespace OneShot.CrashChild;

/// <summary>The shape of the galleries the crash child saves; the test checks files against it.</summary>
public static class CrashChildLayout
{
    /// <summary>The embedding length.</summary>
    public const int EmbeddingSize = 16;

    /// <summary>Embeddings per label.</summary>
    public const int RowsPerLabel = 200;

    /// <summary>How many labels a state keeps (the newest ones).</summary>
    public const int Labels = 20;

    /// <summary>The label enrolled at <paramref name="state"/>.</summary>
    public static string Label(int state) => $"s{state}";

    /// <summary>The labels of <paramref name="state"/>, oldest first.</summary>
    public static IReadOnlyList<string> LabelsOf(int state) =>
        Enumerable.Range(Math.Max(1, state - Labels + 1), Math.Min(state, Labels)).Select(Label).ToArray();

    /// <summary>The tiny network the model mode saves.</summary>
    public static EmbedderOptions ModelOptions { get; } = new()
    {
        Backbone = new Conv4Options { Widths = [4, 4, 4, 4] },
        Device = DeviceChoice.Cpu,
    };

    /// <summary>Every weight of the model saved at <paramref name="state"/>.</summary>
    public static float WeightOf(int state) => state / 1000f;

    /// <summary>The description of the model saved at <paramref name="state"/>.</summary>
    public static string Description(int state) => $"state {state}";
}
