using System.CommandLine;
using OneShot.Cli;

var root = new RootCommand("oneshot: train, evaluate and use one-shot image classifiers (OneShot on TorchSharp).");
root.Subcommands.Add(TrainCommand.Create());
root.Subcommands.Add(EvaluateCommand.Create());

return root.Parse(args).Invoke();
