using static TorchSharp.torch;

namespace OneShot.Serialization;

/// <summary>A tensor to load into a network: the network key it goes to and the file key it came from.</summary>
/// <param name="Key">The network's state-dict key.</param>
/// <param name="Value">The tensor read from the file (owned by the reader's <see cref="StateDict"/>).</param>
/// <param name="FileKey">The key in the file; equal to <paramref name="Key"/> unless a name map renamed it.</param>
internal readonly record struct StateDictEntry(string Key, Tensor Value, string FileKey)
{
    /// <summary>The key as error messages show it: the file key, and the network key when they differ.</summary>
    public string Describe() => Key == FileKey ? Key : $"{FileKey} (mapped to {Key})";
}
