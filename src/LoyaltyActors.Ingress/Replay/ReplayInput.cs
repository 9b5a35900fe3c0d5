using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
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

/// <summary>
/// Reads one UTF-8 text file line by line (LF, CRLF or CR), counting physical lines and bytes. Lines are decoded into
/// a buffer of its own: <see cref="TryReadLineSpan"/> hands out a view of it without a string.
/// </summary>
internal sealed class LineCursor : IDisposable
{
    private readonly FileStream _stream;
    private readonly StreamReader _reader;
    private readonly long _before;
    private char[] _buffer = ArrayPool<char>.Shared.Rent(1 << 15);
    private int _start;
    private int _end;
    private bool _eof;

    public LineCursor(string path, long bytesBefore)
    {
        // Buffered once, by the reader; its buffers stay under the large object heap's threshold (a replay opens many files).
        _stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 0, FileOptions.SequentialScan);
        _reader = new StreamReader(_stream, new UTF8Encoding(false), detectEncodingFromByteOrderMarks: true, bufferSize: 1 << 15);
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
        if (!TryReadLineSpan(out var text))
        {
            line = null;
            return false;
        }

        line = text.ToString();
        return true;
    }

    /// <summary>The next line without its terminator, valid until the next call; false at the end of the file.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public bool TryReadLineSpan(out ReadOnlySpan<char> line)
    {
        var scanned = 0; // chars after _start already known to hold no terminator
        while (true)
        {
            var pending = _buffer.AsSpan(_start + scanned, _end - _start - scanned);
            var at = pending.IndexOfAny('\n', '\r');
            if (at >= 0)
            {
                var stop = _start + scanned + at;
                // A CR at the end of what is buffered may be the first half of a CRLF: read on before deciding.
                if (_buffer[stop] == '\r' && stop + 1 == _end && !_eof)
                {
                    scanned = stop - _start;
                    Fill();
                    continue;
                }

                line = _buffer.AsSpan(_start, stop - _start);
                _start = stop + (_buffer[stop] == '\r' && stop + 1 < _end && _buffer[stop + 1] == '\n' ? 2 : 1);
                LineNumber++;
                return true;
            }

            if (_eof)
            {
                if (_end == _start)
                {
                    line = default;
                    return false;
                }

                line = _buffer.AsSpan(_start, _end - _start);
                _start = _end;
                LineNumber++;
                return true;
            }

            scanned = _end - _start;
            Fill();
        }
    }

    /// <summary>Moves the unread chars to the front (growing the buffer when a line fills it) and decodes more after them.</summary>
    private void Fill()
    {
        var unread = _end - _start;
        if (unread == _buffer.Length)
        {
            var larger = ArrayPool<char>.Shared.Rent(_buffer.Length * 2);
            _buffer.AsSpan().CopyTo(larger);
            ArrayPool<char>.Shared.Return(_buffer);
            _buffer = larger;
        }
        else if (_start > 0)
        {
            Array.Copy(_buffer, _start, _buffer, 0, unread);
        }

        _start = 0;
        _end = unread;
        var read = _reader.Read(_buffer, _end, _buffer.Length - _end);
        if (read == 0) _eof = true;
        _end += read;
    }

    public void Dispose()
    {
        _reader.Dispose();
        _stream.Dispose();
        if (_buffer.Length == 0) return;
        ArrayPool<char>.Shared.Return(_buffer);
        _buffer = [];
    }
}
