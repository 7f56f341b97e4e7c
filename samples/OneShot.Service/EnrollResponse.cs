namespace OneShot.Service;

/// <summary>The answer of <c>POST /labels/{label}/images</c>.</summary>
/// <param name="Label">The label the images were enrolled under.</param>
/// <param name="Added">How many images this request enrolled.</param>
/// <param name="Count">The label's example count after the enrolment.</param>
public sealed record EnrollResponse(string Label, int Added, int Count);
