namespace OneShot.Serialization;

/// <summary>The file formats <see cref="PretrainedWeights"/> reads.</summary>
public enum PretrainedWeightsFormat
{
    /// <summary>
    /// Decide from the file: a <c>.safetensors</c> extension, or a header that looks like one, means
    /// <see cref="Safetensors"/>; anything else is read as <see cref="TorchSharpStateDict"/>.
    /// </summary>
    Auto,

    /// <summary>Hugging Face safetensors (what <c>safetensors.torch.save_file</c> writes).</summary>
    Safetensors,

    /// <summary>
    /// TorchSharp's state-dict format: what <c>Module.save</c> writes and what PyTorch users export with
    /// TorchSharp's <c>exportsd.py</c> script.
    /// </summary>
    TorchSharpStateDict,
}
