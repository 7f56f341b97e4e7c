using static TorchSharp.torch;

namespace OneShot.TransferVsFineTune;

/// <summary>One way to classify new classes from a few labelled images.</summary>
internal interface IComparedMethod : IDisposable
{
    /// <summary>The row name, for example <c>(a) prototypes</c>.</summary>
    string Name { get; }

    /// <summary>Which of the three ideas it is, and what it trains at enrolment.</summary>
    string Idea { get; }

    /// <summary>Learns from the support images and labels, then predicts a label for every query image.</summary>
    IReadOnlyList<string> Predict(Tensor support, IReadOnlyList<string> supportLabels, Tensor queries);
}
