namespace OneShot.PostgreSql;

/// <summary>One try of an operation; a write marks it unsafe to retry once it consumed its input or sent its commit.</summary>
internal sealed class Attempt
{
    public bool Unsafe { get; set; }
}
