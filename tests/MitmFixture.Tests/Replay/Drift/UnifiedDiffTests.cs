using System.Diagnostics;
using MitmFixture.Replay.Drift;

namespace MitmFixture.Tests.Replay.Drift;

public sealed class UnifiedDiffTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("mitmfixture-diff-").FullName;

    [Fact]
    public void Create_ChangedLine_IsGnuDiffUFormat()
    {
        var diff = UnifiedDiff.Create("a\nb\nc\nd\ne\nf\ng\nh\n", "a\nb\nc\nd\nE\nf\ng\nh\n", "x.verified.json", "x.received.json");

        Assert.Equal("--- x.verified.json\n+++ x.received.json\n@@ -2,7 +2,7 @@\n b\n c\n d\n-e\n+E\n f\n g\n h\n", diff);
    }

    [Fact]
    public void Create_TwoDistantChanges_AreTwoHunksWithTheirRanges()
    {
        var old = string.Concat(Enumerable.Range(1, 20).Select(i => $"{i}\n"));
        var changed = string.Concat(Enumerable.Range(1, 20).Where(i => i != 18).Select(i => i == 2 ? "two\n" : $"{i}\n"));

        var diff = UnifiedDiff.Create(old, changed, "a", "b");

        Assert.Equal("--- a\n+++ b\n@@ -1,5 +1,5 @@\n 1\n-2\n+two\n 3\n 4\n 5\n@@ -15,6 +15,5 @@\n 15\n 16\n 17\n-18\n 19\n 20\n", diff);
    }

    [Fact]
    public void Create_AddedAtTheStartOfAnEmptyText_NamesLineZero()
    {
        Assert.Equal("--- a\n+++ b\n@@ -0,0 +1,2 @@\n+x\n+y\n", UnifiedDiff.Create("", "x\ny\n", "a", "b"));
    }

    [Fact]
    public void Create_MissingLastNewline_IsMarked()
    {
        Assert.Equal("--- a\n+++ b\n@@ -1,1 +1,1 @@\n-x\n\\ No newline at end of file\n+x\n", UnifiedDiff.Create("x", "x\n", "a", "b"));
    }

    [Fact]
    public void Create_ReplacedBlock_PutsRemovalsBeforeAdditions()
    {
        var diff = UnifiedDiff.Create("keep\nold1\nold2\nkeep2\n", "keep\nnew1\nnew2\nnew3\nkeep2\n", "a", "b");

        Assert.Equal("--- a\n+++ b\n@@ -1,4 +1,5 @@\n keep\n-old1\n-old2\n+new1\n+new2\n+new3\n keep2\n", diff);
    }

    /// <summary>GNU patch applies every diff, for random edits of a snapshot-like text, and gets the new text back.</summary>
    [Fact]
    public async Task Create_RandomEdits_PatchAppliesThem()
    {
        var random = new Random(18);
        string[] vocabulary = ["{", "}", "  \"a\": 1,", "  \"b\": 2,", "  \"status\": \"200 OK\",", "", "  ]", "x"];
        for (var run = 0; run < 25; run++)
        {
            var old = Text(random, vocabulary);
            var changed = Text(random, vocabulary);
            var oldFile = Path.Combine(_folder, "old.txt");
            var patched = Path.Combine(_folder, "new.txt");
            await File.WriteAllTextAsync(oldFile, old, TestContext.Current.CancellationToken);
            var diff = UnifiedDiff.Create(old, changed, "old.txt", "new.txt");

            var start = new ProcessStartInfo("patch", ["--silent", "--force", "-o", patched, oldFile]) { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
            using var patch = Process.Start(start)!;
            await patch.StandardInput.WriteAsync(diff);
            patch.StandardInput.Close();
            var errors = await patch.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken) + await patch.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
            await patch.WaitForExitAsync(TestContext.Current.CancellationToken);

            Assert.True(patch.ExitCode == 0, $"patch refused:\n{diff}\n{errors}");
            Assert.Equal(changed, await File.ReadAllTextAsync(patched, TestContext.Current.CancellationToken));
        }
    }

    private static string Text(Random random, string[] vocabulary)
    {
        var lines = Enumerable.Range(0, random.Next(0, 14)).Select(_ => vocabulary[random.Next(vocabulary.Length)]);
        var text = string.Join('\n', lines);
        return text.Length == 0 || random.Next(4) == 0 ? text : text + "\n";
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}
