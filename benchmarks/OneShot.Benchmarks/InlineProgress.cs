namespace OneShot.Benchmarks;

/// <summary>Reports on the caller's thread, in order (Progress&lt;T&gt; posts to the thread pool).</summary>
internal sealed class InlineProgress<T>(Action<T> report) : IProgress<T>
{
    public void Report(T value) => report(value);
}
