namespace OneShot.Transfer;

/// <summary>One parameter group of a layer-wise optimizer: a name, its learning rate and the parameters in it.</summary>
/// <param name="Name"><c>head</c>, a stage prefix such as <c>encoder.3</c>, or <c>other</c> for parameters outside every stage.</param>
/// <param name="LearningRate">The learning rate of the group.</param>
/// <param name="ParameterNames">
/// The trainable parameters of the group, by name; head parameters are prefixed with <c>head.</c>.
/// </param>
public sealed record LearningRateGroup(string Name, double LearningRate, IReadOnlyList<string> ParameterNames);
