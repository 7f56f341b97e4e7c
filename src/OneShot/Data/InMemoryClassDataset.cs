using TorchSharp;
using static TorchSharp.torch;

namespace OneShot.Data;

/// <summary>
/// A class dataset held in memory as one tensor: every item of every class, class after class, as uint8 or
/// float32 <c>[total,C,H,W]</c>. <see cref="Load"/> is one <c>index_select</c>, a conversion to float32 and a scale.
/// </summary>
/// <remarks>
/// Build it with <see cref="FromTensor"/>, <see cref="FromClasses"/> or <see cref="FromArrays(IReadOnlyList{byte[]}, ValueTuple{int, int, int}, IReadOnlyList{string}?, float)"/>;
/// the factories copy their inputs, so the caller keeps ownership of what it passed. Reads are safe from many
/// threads at once; <see cref="Dispose"/> is not.
/// </remarks>
public sealed class InMemoryClassDataset : IClassDataset, IDisposable
{
    private readonly Tensor _items;
    private readonly int[] _offsets;
    private readonly string[] _names;
    private readonly float _scale;
    private bool _disposed;

    private InMemoryClassDataset(Tensor items, int[] counts, string[] names, float scale)
    {
        _items = items;
        _names = names;
        _scale = scale;
        _offsets = new int[counts.Length + 1];
        for (int c = 0; c < counts.Length; c++)
        {
            _offsets[c + 1] = _offsets[c] + counts[c];
        }

        ItemShape = ((int)items.shape[1], (int)items.shape[2], (int)items.shape[3]);
    }

    /// <inheritdoc />
    public IReadOnlyList<string> Classes => _names;

    /// <inheritdoc />
    public (int Channels, int Height, int Width) ItemShape { get; }

    /// <summary>The number of items over all classes.</summary>
    public int TotalCount => _offsets[^1];

    /// <summary>
    /// Builds a dataset from one tensor holding the same number of items for every class:
    /// <c>[classes,n,H,W]</c> (one channel) or <c>[classes,n,C,H,W]</c>, uint8 or float32.
    /// </summary>
    /// <param name="items">The items; copied, still owned by the caller.</param>
    /// <param name="names">Class names; default <c>class0</c>, <c>class1</c>, ...</param>
    /// <param name="scale">Multiplies values on load. Default 1/255 for uint8 (pixels to [0, 1]) and 1 for float32.</param>
    public static InMemoryClassDataset FromTensor(Tensor items, IReadOnlyList<string>? names = null, float? scale = null)
    {
        ArgumentNullException.ThrowIfNull(items);
        if (items.dim() is not (4 or 5))
        {
            throw new ArgumentException($"Expected items of shape [classes,n,H,W] or [classes,n,C,H,W]; got [{string.Join(",", items.shape)}].", nameof(items));
        }

        CheckDtype(items, nameof(items));
        using var scope = NewDisposeScope();
        var five = items.dim() == 4 ? items.unsqueeze(2) : items;
        int classes = (int)five.shape[0];
        int perClass = (int)five.shape[1];
        var flat = five.reshape(classes * perClass, five.shape[2], five.shape[3], five.shape[4]).contiguous().clone();
        var counts = Enumerable.Repeat(perClass, classes).ToArray();
        var dataset = Create(flat, counts, names, scale ?? DefaultScale(items.dtype));
        flat.DetachFromDisposeScope();
        return dataset;
    }

    /// <summary>Builds a dataset from one tensor per class, each <c>[n,C,H,W]</c> of the same C, H, W and dtype (uint8 or float32).</summary>
    /// <param name="classes">The items of each class; copied, still owned by the caller. Classes may hold different counts.</param>
    /// <param name="names">Class names; default <c>class0</c>, <c>class1</c>, ...</param>
    /// <param name="scale">Multiplies values on load. Default 1/255 for uint8 and 1 for float32.</param>
    public static InMemoryClassDataset FromClasses(IReadOnlyList<Tensor> classes, IReadOnlyList<string>? names = null, float? scale = null)
    {
        ArgumentNullException.ThrowIfNull(classes);
        if (classes.Count == 0)
        {
            throw new ArgumentException("Expected at least one class; got none.", nameof(classes));
        }

        var first = classes[0];
        for (int c = 0; c < classes.Count; c++)
        {
            var t = classes[c] ?? throw new ArgumentException($"Class {c} is null.", nameof(classes));
            if (t.dim() != 4 || t.shape[0] == 0 || t.dtype != first.dtype || !t.shape.AsSpan(1).SequenceEqual(first.shape.AsSpan(1)))
            {
                throw new ArgumentException(
                    $"Class {c}: expected a non-empty {first.dtype} tensor [n,{string.Join(",", first.shape.Skip(1))}]; got {t.dtype} [{string.Join(",", t.shape)}].",
                    nameof(classes));
            }
        }

        CheckDtype(first, nameof(classes));
        using var scope = NewDisposeScope();
        var flat = cat(classes.Select(t => t.cpu()).ToList(), 0).contiguous();
        var counts = classes.Select(t => (int)t.shape[0]).ToArray();
        var dataset = Create(flat, counts, names, scale ?? DefaultScale(first.dtype));
        flat.DetachFromDisposeScope();
        return dataset;
    }

    /// <summary>Builds a dataset from per-class pixel arrays (row-major <c>[n,C,H,W]</c> bytes, 0..255).</summary>
    /// <param name="classes">One array per class whose length is a multiple of C*H*W.</param>
    /// <param name="itemShape">Channels, height and width of one item.</param>
    /// <param name="names">Class names; default <c>class0</c>, <c>class1</c>, ...</param>
    /// <param name="scale">Multiplies values on load. Default 1/255.</param>
    public static InMemoryClassDataset FromArrays(IReadOnlyList<byte[]> classes, (int Channels, int Height, int Width) itemShape, IReadOnlyList<string>? names = null, float scale = 1f / 255f)
    {
        ArgumentNullException.ThrowIfNull(classes);
        int itemSize = ItemSize(itemShape);
        return FromOwnedTensors(classes.Select((a, c) => torch.tensor(CheckArray(a, c, itemSize), ItemsShape(a.Length / itemSize, itemShape))), names, scale);
    }

    /// <summary>Builds a dataset from per-class float arrays (row-major <c>[n,C,H,W]</c>, already model input values).</summary>
    /// <param name="classes">One array per class whose length is a multiple of C*H*W.</param>
    /// <param name="itemShape">Channels, height and width of one item.</param>
    /// <param name="names">Class names; default <c>class0</c>, <c>class1</c>, ...</param>
    /// <param name="scale">Multiplies values on load. Default 1.</param>
    public static InMemoryClassDataset FromArrays(IReadOnlyList<float[]> classes, (int Channels, int Height, int Width) itemShape, IReadOnlyList<string>? names = null, float scale = 1f)
    {
        ArgumentNullException.ThrowIfNull(classes);
        int itemSize = ItemSize(itemShape);
        return FromOwnedTensors(classes.Select((a, c) => torch.tensor(CheckArray(a, c, itemSize), ItemsShape(a.Length / itemSize, itemShape))), names, scale);
    }

    /// <summary>Builds from per-class tensors made just for it, disposing them afterwards (the dataset keeps its own copy).</summary>
    private static InMemoryClassDataset FromOwnedTensors(IEnumerable<Tensor> made, IReadOnlyList<string>? names, float scale)
    {
        var tensors = made.ToList();
        try
        {
            return FromClasses(tensors, names, scale);
        }
        finally
        {
            tensors.ForEach(t => t.Dispose());
        }
    }

    private static long[] ItemsShape(int count, (int Channels, int Height, int Width) itemShape) =>
        [count, itemShape.Channels, itemShape.Height, itemShape.Width];

    /// <inheritdoc />
    public int CountOf(int classIndex)
    {
        CheckClass(classIndex);
        return _offsets[classIndex + 1] - _offsets[classIndex];
    }

    /// <inheritdoc />
    public Tensor Load(int classIndex, IReadOnlyList<int> items)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentNullException.ThrowIfNull(items);
        int count = CountOf(classIndex);
        int offset = _offsets[classIndex];
        var rows = new long[items.Count];
        for (int i = 0; i < rows.Length; i++)
        {
            int item = items[i];
            if ((uint)item >= (uint)count)
            {
                throw new ArgumentOutOfRangeException(nameof(items), item, $"Class {classIndex} ('{_names[classIndex]}') has items 0..{count - 1}; got item {item}.");
            }

            rows[i] = offset + item;
        }

        using var scope = NewDisposeScope();
        using var index = torch.tensor(rows);
        var selected = _items.index_select(0, index);
        if (selected.dtype != ScalarType.Float32)
        {
            selected = selected.to_type(ScalarType.Float32);
        }

        if (_scale != 1f)
        {
            using var scale = _scale.ToScalar();
            selected = selected.mul_(scale);
        }

        return selected.MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (!_disposed)
        {
            _disposed = true;
            _items.Dispose();
        }
    }

    /// <summary>A dataset over <paramref name="flat"/> (float32 <c>[n,C,H,W]</c>, classes one after another), which it takes over: no copy.</summary>
    internal static InMemoryClassDataset FromOwnedFlat(Tensor flat, int[] counts, IReadOnlyList<string> names) => Create(flat, counts, names, 1f);

    private static InMemoryClassDataset Create(Tensor flat, int[] counts, IReadOnlyList<string>? names, float scale)
    {
        if (!float.IsFinite(scale))
        {
            throw new ArgumentOutOfRangeException(nameof(scale), scale, "The scale must be a finite number.");
        }

        string[] classNames = names?.ToArray() ?? Enumerable.Range(0, counts.Length).Select(c => $"class{c}").ToArray();
        if (classNames.Length != counts.Length)
        {
            throw new ArgumentException($"Expected {counts.Length} class names, one per class; got {classNames.Length}.", nameof(names));
        }

        return new InMemoryClassDataset(flat, counts, classNames, scale);
    }

    private static void CheckDtype(Tensor t, string argument)
    {
        if (t.dtype is not (ScalarType.Byte or ScalarType.Float32))
        {
            throw new ArgumentException($"Expected uint8 or float32 items; got {t.dtype}.", argument);
        }
    }

    private static float DefaultScale(ScalarType dtype) => dtype == ScalarType.Byte ? 1f / 255f : 1f;

    private static int ItemSize((int Channels, int Height, int Width) shape)
    {
        if (shape.Channels <= 0 || shape.Height <= 0 || shape.Width <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(shape), shape, "Channels, height and width must be positive.");
        }

        return shape.Channels * shape.Height * shape.Width;
    }

    private static T[] CheckArray<T>(T[]? array, int classIndex, int itemSize)
    {
        if (array is null || array.Length == 0 || array.Length % itemSize != 0)
        {
            throw new ArgumentException(
                $"Class {classIndex}: expected a non-empty array whose length is a multiple of C*H*W = {itemSize}; got {array?.Length.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "null"}.",
                "classes");
        }

        return array;
    }

    private void CheckClass(int classIndex)
    {
        if ((uint)classIndex >= (uint)_names.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(classIndex), classIndex, $"The dataset has classes 0..{_names.Length - 1}.");
        }
    }
}
