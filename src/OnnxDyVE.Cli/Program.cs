using System.CommandLine;
using OnnxDyVE.Cli.Commands;

var root = new RootCommand("dyve: dynamic-effort CNN inference (DyVEDeep) on ONNX Runtime");
root.Subcommands.Add(DemoCommand.Create());
root.Subcommands.Add(ConvertCommand.Create());
root.Subcommands.Add(EvalCommand.Create());
root.Subcommands.Add(BenchCommand.Create());
root.Subcommands.Add(RewriteCommand.Create());
root.Subcommands.Add(CalibrateCommand.Create());
root.Subcommands.Add(FeaturesCommand.Create());
root.Subcommands.Add(ResultsCommand.Create());
root.Subcommands.Add(InfoCommand.Create());
return root.Parse(args).Invoke();
