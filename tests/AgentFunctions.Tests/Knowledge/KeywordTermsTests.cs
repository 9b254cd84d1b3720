using AgentFunctions.Local.Knowledge;

namespace AgentFunctions.Tests.Knowledge;

/// <summary>The in-memory keyword index's tokenizer: Porter stems (the examples of Porter's 1980 paper), case and diacritics folded.</summary>
public sealed class KeywordTermsTests
{
    [Theory]
    [InlineData("caresses", "caress")]
    [InlineData("ponies", "poni")]
    [InlineData("cats", "cat")]
    [InlineData("feed", "feed")]
    [InlineData("agreed", "agre")]
    [InlineData("plastered", "plaster")]
    [InlineData("motoring", "motor")]
    [InlineData("sing", "sing")]
    [InlineData("conflated", "conflat")]
    [InlineData("troubled", "troubl")]
    [InlineData("sized", "size")]
    [InlineData("hopping", "hop")]
    [InlineData("falling", "fall")]
    [InlineData("filing", "file")]
    [InlineData("happy", "happi")]
    [InlineData("relational", "relat")]
    [InlineData("conditional", "condit")]
    [InlineData("digitizer", "digit")]
    [InlineData("vietnamization", "vietnam")]
    [InlineData("predication", "predic")]
    [InlineData("decisiveness", "decis")]
    [InlineData("hopefulness", "hope")]
    [InlineData("sensibiliti", "sensibl")]
    [InlineData("triplicate", "triplic")]
    [InlineData("electrical", "electr")]
    [InlineData("goodness", "good")]
    [InlineData("allowance", "allow")]
    [InlineData("adjustable", "adjust")]
    [InlineData("replacement", "replac")]
    [InlineData("adoption", "adopt")]
    [InlineData("effective", "effect")]
    [InlineData("probate", "probat")]
    [InlineData("cease", "ceas")]
    [InlineData("controll", "control")]
    [InlineData("generalizations", "gener")]
    [InlineData("oscillators", "oscil")]
    [InlineData("returns", "return")]
    [InlineData("is", "is")]
    [InlineData("naïve", "naïve")]
    public void Stem_FollowsPortersAlgorithm(string word, string stem) => Assert.Equal(stem, PorterStemmer.Stem(word));

    [Fact]
    public void Count_FoldsCaseAndDiacritics_AndStemsWordForms()
    {
        var terms = new KeywordTerms();
        var counted = terms.Count("Returns RETURNED returning; Café cafe", "Refund rules", out var length);

        Assert.Equal(7, length);
        Assert.Equal([3, 2, 1, 1], counted.Select(c => c.Count).OrderDescending());
        Assert.Equal(terms.Query("return"), terms.Query("RETURNS"));
        Assert.Equal(terms.Query("cafe"), terms.Query("Café"));
        Assert.Single(terms.Query("refunding"));
    }

    [Fact]
    public void Query_LeavesOutFunctionWords_UnlessTheyAreAll_AndWordsNoChunkHas()
    {
        var terms = new KeywordTerms();
        terms.Count("the window for returns is long", null, out _);

        Assert.Single(terms.Query("what is the return window?").Except(terms.Query("window")));
        Assert.Equal(2, terms.Query("the is").Count);
        Assert.Empty(terms.Query("unknown zebra"));
        Assert.Empty(terms.Query("\"*()^"));
    }

    /// <summary>Removed chunks leave both searches at once, also after the compaction that many removals trigger.</summary>
    [Fact]
    public void Memory_RemovedChunksAreNeverFound_BeforeOrAfterCompaction()
    {
        var terms = new KeywordTerms();
        var memory = new KnowledgeBaseMemory();
        var random = new Random(5);
        float[] Vector()
        {
            var v = new float[8];
            for (var i = 0; i < v.Length; i++) v[i] = (float)(random.NextDouble() - 0.5);
            return v;
        }
        for (var row = 1; row <= 3000; row++)
        {
            memory.Add(new PreparedChunk(row, terms.Count(row % 3 == 0 ? "parking permit renewal" : "holiday leave request", null, out var length), length, Vector()));
        }
        var permit = terms.Query("permit");

        for (var row = 1; row <= 600; row++) memory.Remove(row);
        Assert.All(memory.Keyword(permit, 50), hit => Assert.True(hit.Row > 600 && hit.Row % 3 == 0));
        Assert.All(memory.VectorCandidates(Vector(), 100), row => Assert.True(row > 600));

        for (var row = 601; row <= 2400; row++) memory.Remove(row); // more dead than live: compacted
        Assert.Equal(600, memory.Count);
        var hits = memory.Keyword(permit, 1000);
        Assert.Equal(200, hits.Count);
        Assert.All(hits, hit => Assert.True(hit.Row > 2400 && hit.Row % 3 == 0));
        Assert.Equal(600, memory.VectorCandidates(Vector(), 1000).Count);
        Assert.All(memory.VectorCandidates(Vector(), 1000), row => Assert.True(row > 2400));
    }
}
