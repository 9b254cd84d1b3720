namespace AgentFunctions.Knowledge.Chunking;

/// <summary>
/// An embedder's token count that adds up over the parts of a text, so the chunker can count each sentence, row and word
/// once instead of recounting every chunk it builds (the count stays exact: the chunker falls back to counting the whole
/// text whenever a join does not keep its parts apart). The count of a text is <see cref="Overhead"/> plus the sum of
/// <see cref="CountPart"/> over its parts, when the parts are joined (1) by a single space, always, or (2) by a line
/// break whose nearest characters other than line breaks on either side satisfy <see cref="KeepsApart"/>.
/// </summary>
public interface IAdditiveTokenCount
{
    /// <summary>Tokens every text counts once (a BERT model's [CLS] and [SEP]).</summary>
    int Overhead { get; }

    /// <summary>The count of <paramref name="text"/> without <see cref="Overhead"/>.</summary>
    int CountPart(string text);

    /// <summary>Whether a line break between these two characters splits the text into separately counted parts.</summary>
    bool KeepsApart(char before, char after);
}
