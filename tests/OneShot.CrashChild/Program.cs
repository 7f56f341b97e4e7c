using System.Globalization;
using OneShot.CrashChild;
using OneShot.Embeddings;
using OneShot.Galleries;
using OneShot.Serialization;
using static TorchSharp.torch;

// Saves in a loop until killed, printing "saved <state>" after each save returns; the parent kills this process
// at random points and checks what is on disk.
// gallery <path>: state i holds the labels s<i-19>..s<i> (at least s1), each with 200 embeddings of length 16
//                 whose values are all i, and the property state=i.
// model <dir>:    state i is a tiny Conv4 whose every weight is i/1000, with the description "state i".
if (args.Length != 2 || args[0] is not ("gallery" or "model"))
{
    Console.Error.WriteLine("usage: OneShot.CrashChild gallery <path> | model <directory>");
    return 2;
}

// The parent's pid: when the test host dies without killing this process, it exits instead of saving forever.
int parent = OperatingSystem.IsLinux() ? getppid() : 0;

if (args[0] == "model")
{
    using var embedder = Embedder.Create(CrashChildLayout.ModelOptions);
    for (int state = 1; ; state++)
    {
        using (no_grad())
        {
            foreach (var parameter in embedder.Network.parameters())
            {
                parameter.fill_(CrashChildLayout.WeightOf(state));
            }
        }

        ModelFile.Save(embedder, args[1], CrashChildLayout.Description(state));
        Report(state);
    }
}

using var constant = new ConstantEmbedder(CrashChildLayout.EmbeddingSize);
using var gallery = new Gallery(constant);
for (int state = 1; ; state++)
{
    using (var rows = full([CrashChildLayout.RowsPerLabel, CrashChildLayout.EmbeddingSize], (float)state))
    {
        gallery.EnrollEmbeddings(CrashChildLayout.Label(state), rows);
    }

    if (gallery.Labels.Count > CrashChildLayout.Labels)
    {
        gallery.Remove(gallery.Labels[0]);
    }

    gallery.SetProperty("state", state.ToString(CultureInfo.InvariantCulture));
    gallery.Save(args[1]);
    Report(state);
}

void Report(int state)
{
    if (OperatingSystem.IsLinux() && getppid() != parent)
    {
        Console.Error.WriteLine("the parent process is gone; exiting");
        Environment.Exit(3);
    }

    Console.Out.WriteLine($"saved {state}");
    Console.Out.Flush();
}

[System.Runtime.InteropServices.DllImport("libc")]
static extern int getppid();
