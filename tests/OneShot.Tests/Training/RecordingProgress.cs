namespace OneShot.Tests.Training;

/// <summary>An <see cref="IProgress{T}"/> that records reports synchronously on the reporting thread.</summary>
internal sealed class RecordingProgress<T>(Action<T>? onReport = null) : IProgress<T>
{
    public List<T> Reports { get; } = [];

    public void Report(T value)
    {
        Reports.Add(value);
        onReport?.Invoke(value);
    }
}
