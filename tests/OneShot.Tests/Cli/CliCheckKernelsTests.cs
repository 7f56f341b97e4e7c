using OneShot.Cli;

namespace OneShot.Tests.Cli;

public sealed class CliCheckKernelsTests
{
    [Fact]
    public void InProcessQuick_PrintsAPassingResultOfThisProcesssInstructionSet()
    {
        var (code, output, error) = CliRunner.Invoke("check-kernels", "--in-process", "--quick", "--repetitions", "1");

        code.Should().Be(0, error);
        string line = output.Split('\n').Single(l => l.StartsWith("kernel-check-result: ", StringComparison.Ordinal));
        var result = NativeKernelCheck.ParseJson(line["kernel-check-result: ".Length..]);
        result.Passed.Should().BeTrue();
        result.Cases.Should().Be(31);
        result.OneDnnIsa.Should().Be(Environment.GetEnvironmentVariable("ONEDNN_MAX_CPU_ISA"));
    }

    [Theory]
    [InlineData("--quick")]
    [InlineData("--repetitions", "0")]
    [InlineData("--timeout-minutes", "0")]
    public void QuickRecordOrNoRepetitions_IsAUsageError(params string[] extra)
    {
        var (code, _, error) = CliRunner.Invoke(["check-kernels", .. extra]);

        code.Should().Be(1);
        error.Should().Contain(extra[0]);
    }

    [Fact]
    public void ChildFailure_NamesTheExitCodeAndTheCrashLine_NotLibTorchWarnings()
    {
        string[] crashed =
        [
            "[W1202 00:31:32.027177740 NNPACK.cpp:56] Could not initialize NNPACK! Reason: Unsupported hardware.",
            "malloc(): invalid next size (unsorted)",
            "[W1202 00:31:32.031483379 NNPACK.cpp:56] Could not initialize NNPACK! Reason: Unsupported hardware.",
            "",
        ];

        CheckKernelsCommand.ChildFailure(134, crashed)
            .Should().Be("the check process ended with exit code 134 before reporting a result: malloc(): invalid next size (unsorted)");
        CheckKernelsCommand.ChildFailure(139, [crashed[0], crashed[2]])
            .Should().Be("the check process ended with exit code 139 before reporting a result");
        CheckKernelsCommand.ChildFailure(1, []).Should().EndWith("exit code 1 before reporting a result");
    }
}
