using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Text;

namespace LoyaltyActors.Actors.Serialization;

/// <summary>
/// Appends values in <see cref="BinaryWriter"/>'s byte layout (fixed-width little-endian numbers, 7-bit variable-length
/// integers, strings as UTF-8 after their variable-length byte count) to an array of its own, which it grows and reuses.
/// </summary>
/// <remarks>
/// A <see cref="BinaryWriter"/> over a <see cref="MemoryStream"/> makes one or two virtual calls per value, and one per
/// byte of a variable-length integer; a purchase line is seven values. Writing the journal's purchases this way took
/// about half the bulk replay's writer thread outside SQLite.
/// Its methods are compiled optimised from their first call (and by the replay's precompiler): a short replay would
/// otherwise run them unoptimised throughout.
/// </remarks>
internal sealed class ByteSink(int capacity)
{
    // BinaryWriter's default encoding: a string that is not valid UTF-16 (a lone surrogate) throws rather than being altered.
    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private byte[] _buffer = new byte[Math.Max(16, capacity)];
    private int _length;

    /// <summary>What was written since the last <see cref="Clear"/>; valid until the next write.</summary>
    public ReadOnlySpan<byte> Written => _buffer.AsSpan(0, _length);

    public void Clear() => _length = 0;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private Span<byte> Room(int atMost)
    {
        if (_buffer.Length - _length < atMost) Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, _length + atMost));
        return _buffer.AsSpan(_length);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Byte(byte value)
    {
        Room(1)[0] = value;
        _length++;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Boolean(bool value) => Byte(value ? (byte)1 : (byte)0);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Int32(int value)
    {
        BinaryPrimitives.WriteInt32LittleEndian(Room(4), value);
        _length += 4;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Int64(long value)
    {
        BinaryPrimitives.WriteInt64LittleEndian(Room(8), value);
        _length += 8;
    }

    /// <summary>As <see cref="BinaryWriter.Write7BitEncodedInt"/> (a negative value takes five bytes).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void VarInt32(int value)
    {
        var span = Room(5);
        var i = 0;
        var rest = (uint)value;
        for (; rest > 0x7Fu; rest >>= 7) span[i++] = (byte)(rest | 0x80u);
        span[i++] = (byte)rest;
        _length += i;
    }

    /// <summary>As <see cref="BinaryWriter.Write7BitEncodedInt64"/> (a negative value takes ten bytes).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void VarInt64(long value)
    {
        var span = Room(10);
        var i = 0;
        var rest = (ulong)value;
        for (; rest > 0x7Fu; rest >>= 7) span[i++] = (byte)(rest | 0x80u);
        span[i++] = (byte)rest;
        _length += i;
    }

    /// <summary>As <see cref="BinaryWriter.Write(string)"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void String(string value)
    {
        // Most strings written are short and ASCII (ids, SKUs, categories): one byte of length, one byte per character.
        if (value.Length < 0x80)
        {
            var span = Room(value.Length + 1);
            var i = 0;
            for (; i < value.Length && value[i] < 0x80; i++) span[i + 1] = (byte)value[i];
            if (i == value.Length)
            {
                span[0] = (byte)value.Length;
                _length += value.Length + 1;
                return;
            }
        }

        var count = Utf8.GetByteCount(value);
        VarInt32(count);
        _length += Utf8.GetBytes(value, Room(count));
    }
}
