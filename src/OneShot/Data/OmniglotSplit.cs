namespace OneShot.Data;

/// <summary>Which Omniglot classes an <see cref="OmniglotDataset"/> holds.</summary>
public enum OmniglotSplit
{
    /// <summary>Vinyals et al. training classes (<c>splits/vinyals/train.txt</c>, 4,112 classes: 1,028 characters x 4 rotations).</summary>
    Train = 0,

    /// <summary>Vinyals et al. validation classes (<c>val.txt</c>, 688 classes).</summary>
    Val = 1,

    /// <summary>Vinyals et al. test classes (<c>test.txt</c>, 1,692 classes).</summary>
    Test = 2,

    /// <summary>Vinyals et al. training plus validation classes (<c>trainval.txt</c>, 4,800 classes).</summary>
    TrainVal = 3,

    /// <summary>Lake et al.'s background set (<c>images_background</c>, 964 characters of 30 alphabets).</summary>
    Background = 4,

    /// <summary>Lake et al.'s evaluation set (<c>images_evaluation</c>, 659 characters of 20 alphabets).</summary>
    Evaluation = 5,
}
