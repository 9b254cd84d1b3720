using AgentFunctions.Knowledge.Chunking;
using AgentFunctions.Knowledge.Extraction;
using AgentFunctions.Local.Knowledge;

namespace AgentFunctions.Tests.Knowledge;

public sealed class TextChunkerTests
{
    private static readonly MiniLmEmbedder Embedder = MiniLmEmbedder.Shared;

    // As ingestion chunks: the embedder's count by parts.
    private static ChunkingOptions Options(int size = 64, int overlap = 12) => ChunkingOptions.For(size, overlap, Embedder);

    [Fact]
    public void Split_HeadingsStartChunks_AndCarryTheirPath()
    {
        var chunks = TextChunker.Split(
        [
            new TextBlock(BlockKind.Heading, "Manual", 1),
            new TextBlock(BlockKind.Paragraph, "Intro text."),
            new TextBlock(BlockKind.Heading, "Install", 2),
            new TextBlock(BlockKind.Paragraph, "Run the installer."),
            new TextBlock(BlockKind.Heading, "Uninstall", 2),
            new TextBlock(BlockKind.Paragraph, "Remove the folder."),
        ], Options());

        Assert.Equal(3, chunks.Count);
        Assert.Equal(["Manual"], chunks[0].HeadingPath);
        Assert.Equal(["Manual", "Install"], chunks[1].HeadingPath);
        Assert.Equal(["Manual", "Uninstall"], chunks[2].HeadingPath);
        Assert.Equal("Remove the folder.", chunks[2].Content);
    }

    [Fact]
    public void Split_LongSection_RespectsSizeWithOverlap_AndOffsetsPointIntoTheText()
    {
        var sentences = Enumerable.Range(1, 60).Select(i => $"Sentence number {i} explains one more detail of the procedure.").ToList();
        var blocks = sentences.Select(s => new TextBlock(BlockKind.Paragraph, s)).ToList();
        var joined = string.Join("\n\n", blocks.Select(b => b.Text));

        var chunks = TextChunker.Split(blocks, Options(size: 64, overlap: 16));

        Assert.True(chunks.Count > 5);
        Assert.All(chunks, c => Assert.True(TextChunker.CountTokens(c.Content) <= 64 + 2, $"{TextChunker.CountTokens(c.Content)} tokens: {c.Content}"));
        // Overlap: each chunk after the first starts with the last sentence of the one before.
        for (var i = 1; i < chunks.Count; i++)
        {
            Assert.Equal(chunks[i - 1].Content.Split('\n')[^1], chunks[i].Content.Split('\n')[0]);
        }
        Assert.All(chunks, c => Assert.StartsWith(c.Content.Split('\n')[0], joined[c.Start..c.End], StringComparison.Ordinal));
        // Every sentence is in some chunk.
        Assert.All(sentences, s => Assert.Contains(chunks, c => c.Content.Contains(s, StringComparison.Ordinal)));
    }

    [Fact]
    public void Split_TableRowsStayWhole()
    {
        var rows = Enumerable.Range(1, 40).Select(i => new TextBlock(BlockKind.TableRow, $"Item {i} | {i * 3} units | warehouse {i % 4}")).ToList();

        var chunks = TextChunker.Split(rows, Options(size: 48, overlap: 0));

        var lines = chunks.SelectMany(c => c.Content.Split('\n')).ToList();
        Assert.All(rows, r => Assert.Contains(r.Text, lines));
        Assert.Equal(rows.Count, lines.Count);
    }

    [Fact]
    public void Split_NeverExceedsTheEmbedderWindow_EvenWhenChunkTokensAreLarge()
    {
        // Word pieces outnumber o200k tokens for rare words: 500 o200k tokens of these run far past MiniLM's 256.
        var text = string.Join(" ", Enumerable.Range(0, 400).Select(i => $"xylophonic{i}quandary"));

        var chunks = TextChunker.Split([new TextBlock(BlockKind.Heading, "Glossary", 1), new TextBlock(BlockKind.Paragraph, text)], Options(size: 500, overlap: 0));

        Assert.True(chunks.Count > 1);
        Assert.All(chunks, c => Assert.True(Embedder.CountInputTokens(c.EmbeddingText) <= Embedder.MaxInputTokens));
        Assert.Equal(text.Split(' ').Length, chunks.Sum(c => c.Content.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length));
    }
}

/// <summary>
/// The window check from remembered counts of the parts of a chunk (sentences, rows, words) must decide exactly as counting
/// the chunk's whole embedding text with the tokenizer does, so the chunks are the same.
/// </summary>
public sealed class ChunkWindowByPartsTests
{
    public static TheoryData<string> Cases() => ["samples", "rare words", "rare words in a section", "long sentences", "rows", "mixed white space"];

    private static List<List<TextBlock>> Documents(string name)
    {
        var rare = Enumerable.Range(0, 300).Select(i => $"Xylophonic{i}quandary zebrine{i % 7}obloquy phthalein{i}.").ToList();
        switch (name)
        {
            case "samples":
                var folder = Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", "..", "docs", "knowledge-samples");
                return [.. Directory.GetFiles(folder).Where(f => f.EndsWith(".md", StringComparison.Ordinal) || f.EndsWith(".txt", StringComparison.Ordinal) || f.EndsWith(".html", StringComparison.Ordinal))
                    .Select(f => DocumentExtractor.Extract(f.EndsWith(".md", StringComparison.Ordinal) ? AgentFunctions.Knowledge.FileFormat.Markdown
                        : f.EndsWith(".html", StringComparison.Ordinal) ? AgentFunctions.Knowledge.FileFormat.Html : AgentFunctions.Knowledge.FileFormat.Text, File.ReadAllBytes(f)).ToList())];
            case "rare words":
                return [[.. rare.Select(r => new TextBlock(BlockKind.Paragraph, r))], [new TextBlock(BlockKind.Paragraph, string.Join(" ", rare))]];
            case "rare words in a section":
                return [[new TextBlock(BlockKind.Heading, "Glossary", 1), .. rare.Select(r => new TextBlock(BlockKind.Paragraph, r)), new TextBlock(BlockKind.Heading, "Notes.", 2), .. rare.Take(40).Select(r => new TextBlock(BlockKind.Paragraph, r))]];
            case "long sentences":
                return [[new TextBlock(BlockKind.Paragraph, string.Concat(Enumerable.Range(0, 80).Select(i => $"Sentence {i} of a long paragraph runs on and on with words?! ")) + string.Join(" ", rare))]];
            case "rows":
                return [[new TextBlock(BlockKind.Heading, "Stock", 1), .. Enumerable.Range(0, 120).Select(i => new TextBlock(BlockKind.TableRow, $"Item{i} | {i * 3} units | warehouse{i % 4}x"))]];
            default:
                return [[new TextBlock(BlockKind.Paragraph, "tab\tseparated  and\nbroken (lines)\n[kept]"), new TextBlock(BlockKind.Paragraph, "end.\nNext e\u0301 caf\u00e9 \u6771\u4eac"),
                    new TextBlock(BlockKind.Paragraph, " leading and trailing "), new TextBlock(BlockKind.Paragraph, "\n\nbreaks\n\n"), .. rare.Take(30).Select(r => new TextBlock(BlockKind.Paragraph, r, Page: 2))]];
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Split_WindowCountedByParts_GivesTheChunksOfCountingEachChunkWhole(string name)
    {
        static string Describe(TextChunk c) => $"{c.Ordinal}|{string.Join(" > ", c.HeadingPath)}|{c.Page}|{c.Start}|{c.End}|{c.Content}";
        var compared = 0;
        foreach (var blocks in Documents(name))
        {
            foreach (var (size, overlap) in new[] { (24, 4), (64, 10), (160, 24), (500, 0), (400, 120) })
            {
                var whole = TextChunker.Split(blocks, new ChunkingOptions(size, overlap, 256, MiniLmEmbedder.CountWhole));
                var byParts = TextChunker.Split(blocks, ChunkingOptions.For(size, overlap, MiniLmEmbedder.Shared));

                Assert.Equal(whole.Select(Describe), byParts.Select(Describe));
                Assert.All(byParts, c => Assert.True(MiniLmEmbedder.CountWhole(c.EmbeddingText) <= 256));
                compared += whole.Count;
            }
        }
        Assert.True(compared > 10);
    }
}

/// <summary>The word-piece count that keeps chunks inside MiniLM's window sums remembered per-piece counts; it must equal the tokenizer's own count of the whole text.</summary>
public sealed class WordPieceCountTests
{
    public static TheoryData<string> Texts() =>
    [
        "",
        "   ",
        "Customers may return any product within 60 days of delivery.",
        "Travel policy > Hotels\nThe nightly hotel allowance is 180 euros in Berlin.",
        "Naïve café résumé ÉCOLE straße İstanbul",
        "东京都 is in 日本; 서울 and Москва too",
        "don't stop-gap e-mail U.S.A. x=y+z (a,b) [c] {d} \"quoted\" 'single' #tag @user $5.00 50% ...",
        "tab\tseparated\r\nlines\n\nand   spaces",
        "zero\u200Bwidth non\u00A0breaking soft\u00ADhyphen en\u2002space ideographic\u3000space nel\u0085char",
        "e \u0301 combining accent after a space, emoji 👍🏽 and 𝔘𝔫𝔦𝔠𝔬𝔡𝔢",
        "Supercalifragilisticexpialidocious antidisestablishmentarianism pneumonoultramicroscopicsilicovolcanoconiosis",
        new string('x', 150) + " " + new string('y', 99) + " done",
        "end.\nNext line\nwithout mark\n\ntwo breaks.\n\nAfter (paren)\n[bracket]\n{brace}\n\"quote\"\n'single'\n-dash\n/slash\n*star&amp%pct#hash@at\\back",
        "a$\nb a^\nb a`\nb a|\nb a+\nb a<\nb a=\nb a>\nb a~\nb a_\nb x.\n_y é\n.e 日\n.本 9.\n9 \n lead\n",
        "\n\nstarts and ends with breaks\n\n",
        "Travel policy > Hotels\nThe nightly hotel allowance is 180 euros.\nCity | Allowance | Berlin | 180\nParis | 210",
    ];

    [Theory]
    [MemberData(nameof(Texts))]
    public void CountInputTokens_EqualsTheTokenizersCountOfTheWholeText(string text)
    {
        Assert.Equal(MiniLmEmbedder.CountWhole(text), MiniLmEmbedder.Shared.CountInputTokens(text));
        Assert.Equal(MiniLmEmbedder.CountWhole(text), MiniLmEmbedder.Shared.CountInputTokens(text)); // again, from memory
    }

    /// <summary>
    /// A heading path joined to its text, or two table rows, reach the model as separate words: a line break is a space to
    /// it, in the count and in the vector (the package's tokenizer would otherwise read "Hotels\nThe" as one word).
    /// </summary>
    [Fact]
    public async Task LineBreaks_AreSpacesToTheModel_InTheCountAndTheVector()
    {
        const string broken = "Travel policy > Hotels\nThe nightly allowance\r\nCity | Berlin\tParis";
        const string spaced = "Travel policy > Hotels The nightly allowance  City | Berlin Paris";
        Assert.Equal(MiniLmEmbedder.Shared.CountInputTokens(spaced), MiniLmEmbedder.Shared.CountInputTokens(broken));
        Assert.Equal(MiniLmEmbedder.CountWhole("hotels the"), MiniLmEmbedder.CountWhole("hotels\nthe"));
        var vectors = await MiniLmEmbedder.Shared.EmbedAsync([broken, spaced]);
        Assert.Equal(vectors[1], vectors[0]);
    }

    [Fact]
    public void CountInputTokens_EqualsTheTokenizersCount_OnEverySampleDocumentsText()
    {
        var folder = Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", "..", "docs", "knowledge-samples");
        var texts = Directory.GetFiles(folder).Where(f => f.EndsWith(".md", StringComparison.Ordinal) || f.EndsWith(".txt", StringComparison.Ordinal) || f.EndsWith(".html", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(texts);
        foreach (var file in texts)
        {
            var text = File.ReadAllText(file);
            Assert.Equal(MiniLmEmbedder.CountWhole(text), MiniLmEmbedder.Shared.CountInputTokens(text));
            foreach (var line in text.Split('\n')) Assert.Equal(MiniLmEmbedder.CountWhole(line), MiniLmEmbedder.Shared.CountInputTokens(line));
        }
    }

    /// <summary>Chunks join their sentences and rows with line breaks and start with their heading path: what the window check counts.</summary>
    [Fact]
    public void CountInputTokens_EqualsTheTokenizersCount_OnEveryChunkOfTheSamples()
    {
        var folder = Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", "..", "docs", "knowledge-samples");
        var files = Directory.GetFiles(folder).Where(f => f.EndsWith(".md", StringComparison.Ordinal) || f.EndsWith(".txt", StringComparison.Ordinal)).ToList();
        var checkedChunks = 0;
        foreach (var file in files)
        {
            var format = file.EndsWith(".md", StringComparison.Ordinal) ? AgentFunctions.Knowledge.FileFormat.Markdown : AgentFunctions.Knowledge.FileFormat.Text;
            foreach (var size in new[] { 24, 64, 160 })
            {
                var chunks = TextChunker.Split(DocumentExtractor.Extract(format, File.ReadAllBytes(file)), new ChunkingOptions(size, size / 6, 256, MiniLmEmbedder.CountWhole));
                foreach (var chunk in chunks)
                {
                    Assert.Equal(MiniLmEmbedder.CountWhole(chunk.EmbeddingText), MiniLmEmbedder.Shared.CountInputTokens(chunk.EmbeddingText));
                    checkedChunks++;
                }
            }
        }
        Assert.True(checkedChunks > 50);
    }
}

/// <summary>The o200k count sums remembered per-piece counts on single-spaced text; it must equal the tokenizer's count of the whole text.</summary>
public sealed class O200kCountTests
{
    public static TheoryData<string> Texts() =>
    [
        "Customers may return any product within 60 days of delivery.",
        "The nightly hotel allowance is 180 euros in Berlin; 12345678 digits, 3.14159 and 1,000,000.",
        "Naïve café résumé ÉCOLE straße İstanbul 东京都 is in 日本; 서울 and Москва too",
        "don't stop-gap e-mail U.S.A. x=y+z (a,b) [c] {d} \"quoted\" 'single' #tag @user $5.00 50% ... I'M HE'S they'll",
        "emoji 👍🏽 and 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 e \u0301 combining, zero\u200Bwidth",
        "City | Allowance | Berlin | 180",
        "two  spaces, a\ttab and\na line break are counted whole",
        " leading and trailing ",
        "A sentence split off its paragraph keeps one trailing space. ",
        "Ends in a word ",
        "Ends in digits 123 ",
        "Ends in an apostrophe's ",
        "Ends in punctuation?! ",
        "Ends in a quote.\" ",
        "Ends in CJK 日本 ",
        "Ends in emoji 👍🏽 ",
        "Two trailing spaces  ",
        "x ",
        "! ",
        "  ",
        " ",
    ];

    [Theory]
    [MemberData(nameof(Texts))]
    public void CountTokens_EqualsTheTokenizersCountOfTheWholeText(string text)
    {
        Assert.Equal(TextChunker.CountTokensWhole(text), TextChunker.CountTokens(text));
        Assert.Equal(TextChunker.CountTokensWhole(text), TextChunker.CountTokens(text));
    }

    [Fact]
    public void CountTokens_EqualsTheTokenizersCount_OnRandomSentencesWithATrailingSpace()
    {
        string[] words = ["the", "The", "allowance", "180", "1,000", "3.14", "e-mail", "don't", "HE'S", "(paren)", "[x]", "\"quoted\"", "50%", "$5.00", "U.S.A.",
            "café", "日本", "Москва", "👍🏽", "x=y+z", "a/b", "...", "?!", "-", "'", "—", "über", "ÉCOLE", "123456", "_under", "#tag"];
        string[] ends = [".", "!", "?", "?!", ".\"", ".)", "...", ""];
        var random = new Random(20261130);
        for (var i = 0; i < 2_000; i++)
        {
            var sentence = string.Join(" ", Enumerable.Range(0, random.Next(1, 12)).Select(_ => words[random.Next(words.Length)])) + ends[random.Next(ends.Length)] + " ";
            Assert.Equal(TextChunker.CountTokensWhole(sentence), TextChunker.CountTokens(sentence));
        }
    }

    [Fact]
    public void CountTokens_EqualsTheTokenizersCount_OnEverySampleParagraph()
    {
        var folder = Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", "..", "docs", "knowledge-samples");
        var files = Directory.GetFiles(folder).Where(f => f.EndsWith(".md", StringComparison.Ordinal) || f.EndsWith(".txt", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(files);
        foreach (var file in files)
        {
            var blocks = DocumentExtractor.Extract(AgentFunctions.Knowledge.FileFormat.Text, File.ReadAllBytes(file));
            foreach (var block in blocks)
            {
                Assert.Equal(TextChunker.CountTokensWhole(block.Text), TextChunker.CountTokens(block.Text));
                // As the chunker splits a long paragraph: sentences with their trailing space.
                foreach (var sentence in System.Text.RegularExpressions.Regex.Matches(block.Text, @"[^.!?]+(?:[.!?]+[""')\]]*|$)\s*").Select(m => m.Value))
                {
                    Assert.Equal(TextChunker.CountTokensWhole(sentence), TextChunker.CountTokens(sentence));
                }
            }
        }
    }
}
