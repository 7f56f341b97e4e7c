using OneShot;
using OneShot.Cli;

// Tensor workloads free and reallocate the same large buffers every step; glibc's defaults return them to the kernel
// each time (see NativeAllocator). The CLI is a tensor workload from start to end, so it keeps them.
if (Environment.GetEnvironmentVariable("ONESHOT_MALLOC_TUNING") != "0")
{
    NativeAllocator.KeepFreedMemory();
}

return CliApp.Run(args);
