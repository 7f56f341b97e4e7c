using TorchSharp;

namespace OneShot.Embeddings;

/// <summary>Where an embedder runs.</summary>
public enum DeviceChoice
{
    /// <summary>CUDA when the loaded libtorch backend has a usable GPU, otherwise the CPU.</summary>
    Auto = 0,

    /// <summary>The CPU.</summary>
    Cpu = 1,

    /// <summary>The first CUDA device; fails when none is available.</summary>
    Cuda = 2,
}

/// <summary>Resolves a <see cref="DeviceChoice"/> to a TorchSharp device.</summary>
public static class Devices
{
    /// <summary>The device for <paramref name="choice"/>.</summary>
    /// <exception cref="InvalidOperationException"><see cref="DeviceChoice.Cuda"/> was asked and CUDA is not available.</exception>
    public static torch.Device Resolve(DeviceChoice choice) => choice switch
    {
        DeviceChoice.Cpu => torch.CPU,
        DeviceChoice.Cuda => torch.cuda.is_available()
            ? torch.CUDA
            : throw new InvalidOperationException("DeviceChoice.Cuda was asked, but CUDA is not available: reference the TorchSharp-cuda-linux or TorchSharp-cuda-windows backend and check the GPU driver."),
        DeviceChoice.Auto => torch.cuda.is_available() ? torch.CUDA : torch.CPU,
        _ => throw new ArgumentOutOfRangeException(nameof(choice), choice, "Unknown device choice."),
    };
}
