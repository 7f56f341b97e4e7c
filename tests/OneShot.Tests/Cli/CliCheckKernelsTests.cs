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
        result.Cases.Should().Be(30);
        result.OneDnnIsa.Should().Be(Environment.GetEnvironmentVariable("ONEDNN_MAX_CPU_ISA"));
    }

    [Theory]
    [InlineData("--quick")]
    [InlineData("--repetitions", "0")]
    public void QuickRecordOrNoRepetitions_IsAUsageError(params string[] extra)
    {
        var (code, _, error) = CliRunner.Invoke(["check-kernels", .. extra]);

        code.Should().Be(1);
        error.Should().Contain(extra[0]);
    }
}
