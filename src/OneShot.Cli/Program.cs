using OneShot.Cli;

return CliApp.Run(args);
