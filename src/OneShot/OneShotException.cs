namespace OneShot;

/// <summary>
/// The base of the exceptions OneShot throws for problems a user can act on: unreadable images,
/// model or gallery files that do not match, embedders that do not fit a gallery.
/// Argument errors are reported with the <see cref="ArgumentException"/> family instead.
/// </summary>
public class OneShotException : Exception
{
    /// <summary>Creates an exception with no message.</summary>
    public OneShotException()
    {
    }

    /// <summary>Creates an exception with a message.</summary>
    /// <param name="message">What went wrong, naming the file or argument, what was found and what was expected.</param>
    public OneShotException(string message)
        : base(message)
    {
    }

    /// <summary>Creates an exception with a message and the exception that caused it.</summary>
    /// <param name="message">What went wrong, naming the file or argument, what was found and what was expected.</param>
    /// <param name="innerException">The exception that caused this one.</param>
    public OneShotException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
