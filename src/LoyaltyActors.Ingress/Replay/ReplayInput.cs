using System.Diagnostics.CodeAnalysis;
using System.Text;

namespace LoyaltyActors.Ingress.Replay;

/// <summary>The files of one replay: a single file, or the files of a folder in ordinal name order.</summary>
internal static class ReplayInput
{
    /// <summary>
    /// The files <paramref name="path"/> stands for. A folder contributes its top-level files, ordered by
    /// name with ordinal comparison; hidden files (name starting with '.') are skipped.
    /// </summary>
    public static IReadOnlyList<string> Files(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (File.Exists(path)) return [Path.GetFullPath(path)];
        if (Directory.Exists(path))
        {
            return Directory.EnumerateFiles(path)
                .Where(f => !Path.GetFileName(f).StartsWith('.'))
                .OrderBy(f => Path.GetFileName(f), StringComparer.Ordinal)
                .Select(Path.GetFullPath)
                .ToArray();
        }

        throw new FileNotFoundException($"no file or folder '{path}'", path);
    }

    /// <summary>One open cursor per file in turn, each knowing the bytes of the files before it.</summary>
    public static IEnumerable<LineCursor> Cursors(IReadOnlyList<string> files)
    {
        long before = 0;
        foreach (var file in files)
        {
            using var cursor = new LineCursor(file, before);
            yield return cursor;
            before += cursor.Length;
        }
    }
}

/// <summary>Reads one UTF-8 text file line by line (LF, CRLF or CR), counting physical lines and bytes.</summary>
internal sealed class LineCursor : IDisposable
{
    private readonly FileStream _stream;
    private readonly StreamReader _reader;
    private readonly long _before;

    public LineCursor(string path, long bytesBefore)
    {
        _stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
        _reader = new StreamReader(_stream, new UTF8Encoding(false), detectEncodingFromByteOrderMarks: true, bufferSize: 1 << 16);
        _before = bytesBefore;
        Name = Path.GetFileName(path);
        Length = _stream.Length;
    }

    /// <summary>The file name, without its folder.</summary>
    public string Name { get; }

    /// <summary>The file's length in bytes when opened.</summary>
    public long Length { get; }

    /// <summary>The 1-based number of the line last returned (0 before the first).</summary>
    public long LineNumber { get; private set; }

    /// <summary>Bytes consumed so far, including the files before this one.</summary>
    public long BytesRead => _before + Math.Min(_stream.Position, Length);

    public bool TryReadLine([NotNullWhen(true)] out string? line)
    {
        line = _reader.ReadLine();
        if (line is null) return false;
        LineNumber++;
        return true;
    }

    public void Dispose()
    {
        _reader.Dispose();
        _stream.Dispose();
    }
}
