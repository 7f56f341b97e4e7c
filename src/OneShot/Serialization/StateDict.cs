using static TorchSharp.torch;

namespace OneShot.Serialization;

/// <summary>
/// Named tensors read from a weights file, in file order, owned by this object (CPU tensors).
/// Format readers (TorchSharp's state-dict format; later safetensors) produce it and
/// <see cref="StateDictLoader"/> copies it into a network, so key and shape checks live in one place.
/// </summary>
internal sealed class StateDict : IDisposable
{
    private readonly List<string> _names = [];
    private readonly Dictionary<string, Tensor> _tensors = new(StringComparer.Ordinal);

    /// <summary>The entry names in file order.</summary>
    public IReadOnlyList<string> Names => _names;

    /// <summary>The number of entries.</summary>
    public int Count => _names.Count;

    /// <summary>The tensor named <paramref name="name"/>.</summary>
    public Tensor this[string name] => _tensors[name];

    /// <summary>Whether an entry named <paramref name="name"/> exists.</summary>
    public bool Contains(string name) => _tensors.ContainsKey(name);

    /// <summary>Looks up <paramref name="name"/>.</summary>
    public bool TryGet(string name, out Tensor tensor) => _tensors.TryGetValue(name, out tensor!);

    /// <summary>Adds an entry and takes ownership of <paramref name="tensor"/>; returns false when the name exists.</summary>
    public bool TryAdd(string name, Tensor tensor)
    {
        if (!_tensors.TryAdd(name, tensor))
        {
            return false;
        }

        _names.Add(name);
        return true;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var tensor in _tensors.Values)
        {
            tensor.Dispose();
        }

        _tensors.Clear();
        _names.Clear();
    }
}
