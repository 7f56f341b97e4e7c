using System.CommandLine;
using OneShot.Galleries;

namespace OneShot.Cli;

/// <summary><c>oneshot gallery list|remove</c>: look into a gallery file and remove classes from it.</summary>
internal static class GalleryCommand
{
    public static Command Create()
    {
        var command = new Command("gallery", "List or remove the classes of a gallery file.");
        command.Subcommands.Add(CreateList());
        command.Subcommands.Add(CreateRemove());
        return command;
    }

    private static Command CreateList()
    {
        var gallery = new Argument<string>("gallery") { Description = "The gallery file." };
        var output = new OutputOptions();
        var command = new Command("list", "List the classes of a gallery and how many examples each has.");
        command.Arguments.Add(gallery);
        output.AddTo(command);
        command.SetAction(result => ExitCodes.Run(() =>
        {
            var format = output.Resolve(result);
            string path = result.GetValue(gallery)!;
            var info = ReadInfo(path);
            var table = new ResultTable("label", "examples");
            foreach (var (label, count) in info.Counts)
            {
                table.Add(label, count);
            }

            table.Write(Console.Out, format);
            if (format == OutputFormat.Table)
            {
                Console.WriteLine($"{path}: {info.Count} images in {info.Counts.Count} classes.");
            }

            return ExitCodes.Success;
        }));
        return command;
    }

    private static Command CreateRemove()
    {
        var gallery = new Argument<string>("gallery") { Description = "The gallery file." };
        var labels = new Argument<string[]>("labels") { Description = "The classes to remove.", Arity = ArgumentArity.OneOrMore };
        var model = GalleryModel.CreateOption();
        var command = new Command("remove", "Remove classes from a gallery (saved atomically).");
        command.Arguments.Add(gallery);
        command.Arguments.Add(labels);
        command.Options.Add(model);
        command.SetAction(result => ExitCodes.Run(() =>
        {
            string path = result.GetValue(gallery)!;
            string[] names = result.GetValue(labels)!;
            var (embedder, loaded) = GalleryModel.Load(path, result.GetValue(model));
            using (embedder)
            using (loaded)
            {
                string[] missing = [.. names.Where(n => !loaded.Labels.Contains(n, StringComparer.Ordinal))];
                if (missing.Length > 0)
                {
                    throw new ArgumentException($"The gallery '{path}' has no class {string.Join(", ", missing.Select(m => $"'{m}'"))}; it has {string.Join(", ", loaded.Labels.Select(l => $"'{l}'"))}. Nothing was removed.");
                }

                foreach (string name in names)
                {
                    loaded.Remove(name);
                }

                loaded.Save(path);
                Console.WriteLine($"Removed {names.Length} class(es); {path}: {loaded.Count} images in {loaded.Labels.Count} classes.");
            }

            return ExitCodes.Success;
        }));
        return command;
    }

    private static GalleryInfo ReadInfo(string path) => File.Exists(path)
        ? Gallery.ReadInfo(path)
        : throw new FileNotFoundException($"The gallery file '{path}' does not exist.", path);
}
