using System.Text;
using LoyaltyActors.Ingress.Replay;
using Xunit;

namespace LoyaltyActors.Ingress.Tests.Replay;

/// <summary>The replay's line reader splits a file exactly as <see cref="StreamReader.ReadLine"/> does, whatever its buffer boundaries.</summary>
public sealed class LineCursorTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Theory]
    [InlineData("")]
    [InlineData("a")]
    [InlineData("a\n")]
    [InlineData("a\r")]
    [InlineData("a\r\n")]
    [InlineData("\n\n")]
    [InlineData("\r\r\n\n")]
    [InlineData("a\rb\nc\r\nd")]
    [InlineData("\uFEFFé,€\r\nx")]
    public void Splits_lines_like_StreamReader(string text) => AssertSameLines(text);

    /// <summary>Bytes that are not plain UTF-8: a file with a UTF-16 or UTF-32 BOM, and invalid or truncated UTF-8.</summary>
    public static TheoryData<string, byte[]> Encodings => new()
    {
        { "UTF-16 LE with BOM", [.. Encoding.Unicode.GetPreamble(), .. Encoding.Unicode.GetBytes("é,€\r\nx\ny")] },
        { "UTF-16 BE with BOM", [.. Encoding.BigEndianUnicode.GetPreamble(), .. Encoding.BigEndianUnicode.GetBytes("a\rb\r\n😀")] },
        { "UTF-32 BE with BOM", [.. new UTF32Encoding(true, true).GetPreamble(), .. new UTF32Encoding(true, true).GetBytes("a\nb")] },
        { "invalid bytes", [(byte)'a', 0xFF, (byte)'\n', 0xC3, (byte)'b', 0xE2, 0x82, (byte)'\n', 0xF0, 0x9F, 0x98, 0x80] },
        { "truncated at the end", [(byte)'a', (byte)'\n', 0xF0, 0x9F, 0x98] },
    };

    [Theory]
    [MemberData(nameof(Encodings))]
    public void Decodes_like_StreamReader(string what, byte[] bytes)
    {
        Assert.NotEmpty(what);
        AssertSameLines(bytes);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    public void Splits_lines_like_StreamReader_across_buffer_boundaries(int seed)
    {
        // Lines around and well beyond the cursor's buffer (32K chars), with every kind of terminator, so that a CR,
        // a CRLF's halves and a line's end fall on a buffer's edge somewhere.
        var random = new Random(seed);
        var text = new StringBuilder();
        string[] terminators = ["\n", "\r", "\r\n"];
        while (text.Length < 300_000)
        {
            var length = random.Next(100) switch { < 90 => random.Next(4), < 97 => random.Next(200), < 99 => 32_768 - random.Next(3), _ => random.Next(70_000) };
            for (var i = 0; i < length; i++)
            {
                // Two- and four-byte UTF-8 sequences (the latter a surrogate pair) fall across the byte buffer's edges too.
                var pick = random.Next(40);
                if (pick == 0) text.Append('é');
                else if (pick == 1) text.Append("😀");
                else text.Append((char)('a' + random.Next(26)));
            }

            text.Append(terminators[random.Next(terminators.Length)]);
        }

        AssertSameLines(text.ToString());
    }

    private void AssertSameLines(string text) => AssertSameLines(new UTF8Encoding(false).GetBytes(text));

    private void AssertSameLines(byte[] bytes)
    {
        var path = Path.Combine(_dir.Path, "lines-" + Guid.NewGuid().ToString("N") + ".txt");
        File.WriteAllBytes(path, bytes);
        var expected = new List<string>();
        using (var reader = new StreamReader(path, new UTF8Encoding(false), detectEncodingFromByteOrderMarks: true))
        {
            while (reader.ReadLine() is { } line) expected.Add(line);
        }

        var spans = new List<string>();
        using (var cursor = new LineCursor(path, 0))
        {
            while (cursor.TryReadLineSpan(out var line)) spans.Add(line.ToString());
            Assert.Equal(spans.Count, cursor.LineNumber);
            Assert.Equal(new FileInfo(path).Length, cursor.BytesRead);
        }

        var strings = new List<string>();
        using (var cursor = new LineCursor(path, 0))
        {
            while (cursor.TryReadLine(out string? line)) strings.Add(line);
        }

        Assert.Equal(expected, spans);
        Assert.Equal(expected, strings);
    }
}
