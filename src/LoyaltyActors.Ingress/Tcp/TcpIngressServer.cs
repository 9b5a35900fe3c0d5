using System.Buffers;
using System.Collections.Concurrent;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.Unicode;
using LoyaltyActors.Domain.Wire;
using LoyaltyActors.Ingress.Http;
using LoyaltyActors.Ingress.Security;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace LoyaltyActors.Ingress.Tcp;

/// <summary>
/// The TCP line protocol of CONTRACT.md: NDJSON events in, one ack line per event out, in order, each written
/// only after <see cref="EventIngestor"/> reported the event persisted (or duplicate, or rejected).
/// Each connection reads at most <see cref="TcpIngressOptions.MaxBatchLines"/> complete lines, ingests them
/// as one batch (grouped per customer, so the journal commits them together), writes their acks, and only
/// then reads again. A client that sends faster than the journal commits therefore fills its socket buffers
/// and is slowed by TCP itself; a client that does not read its acks stops being read. Server memory per
/// connection is bounded by one read buffer, one line of at most <see cref="TcpIngressOptions.MaxLineBytes"/>
/// and one batch.
/// </summary>
public sealed class TcpIngressServer : IHostedService, IDisposable
{
    private readonly TcpIngressOptions _options;
    private readonly WireLimits _wire;
    private readonly Lazy<EventIngestor> _ingestor;
    private readonly ApiKeyRing _keys;
    private readonly ILogger<TcpIngressServer> _logger;
    /// <summary>Kernel send and receive buffer size of each connection.</summary>
    public const int SocketBufferBytes = 64 * 1024;

    private readonly CancellationTokenSource _stopping = new();
    private readonly ConcurrentDictionary<long, Task> _connections = new();
    private Socket? _listener;
    private Task? _acceptLoop;
    private long _nextId;
    private int _open;

    /// <param name="ingestor">Resolved at the first batch: the actor system behind it starts with the host, after this is built.</param>
    public TcpIngressServer(TcpIngressOptions options, IngressOptions ingress, Func<EventIngestor> ingestor, ApiKeyRing keys,
        ILogger<TcpIngressServer> logger)
    {
        _options = options;
        _wire = ingress.Wire;
        _ingestor = new Lazy<EventIngestor>(ingestor);
        _keys = keys;
        _logger = logger;
    }

    /// <summary>The address actually bound (the port is known here when 0 was asked for).</summary>
    public IPEndPoint? LocalEndPoint { get; private set; }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var listener = new Socket(_options.EndPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            if (_options.EndPoint.AddressFamily == AddressFamily.InterNetworkV6 && _options.EndPoint.Address.Equals(IPAddress.IPv6Any))
                listener.DualMode = true;
            listener.Bind(_options.EndPoint);
            listener.Listen(512);
        }
        catch (SocketException ex)
        {
            listener.Dispose();
            throw new IOException($"--tcp: cannot listen on {_options.EndPoint}: {ex.Message}", ex);
        }

        _listener = listener;
        LocalEndPoint = (IPEndPoint)listener.LocalEndPoint!;
        _acceptLoop = AcceptLoopAsync(listener);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        _listener?.Dispose();
        try
        {
            if (_acceptLoop is not null) await _acceptLoop.WaitAsync(cancellationToken);
            // Connections finish the batch they are in (its acks are written), then close.
            await Task.WhenAll(_connections.Values).WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            _logger.LogWarning("TCP ingress: {Count} connections were still open at shutdown", _connections.Count);
        }
    }

    public void Dispose()
    {
        _stopping.Dispose();
        _listener?.Dispose();
    }

    private async Task AcceptLoopAsync(Socket listener)
    {
        while (!_stopping.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await listener.AcceptAsync(_stopping.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                if (_stopping.IsCancellationRequested) return;
                _logger.LogWarning("TCP ingress: accept failed: {Message}", ex.Message);
                continue;
            }

            if (Interlocked.Increment(ref _open) > _options.MaxConnections)
            {
                Interlocked.Decrement(ref _open);
                _ = RefuseAsync(socket);
                continue;
            }

            var id = Interlocked.Increment(ref _nextId);
            var task = Task.Run(() => ServeConnectionAsync(socket));
            _connections[id] = task;
            _ = task.ContinueWith(_ =>
            {
                _connections.TryRemove(id, out Task? _);
                Interlocked.Decrement(ref _open);
            }, TaskScheduler.Default);
        }
    }

    private async Task RefuseAsync(Socket socket)
    {
        using (socket)
        {
            try
            {
                var line = JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, string>
                {
                    ["error"] = $"too many connections: at most {_options.MaxConnections} (Loyalty:Tcp:MaxConnections)",
                });
                await socket.SendAsync(line.Concat("\n"u8.ToArray()).ToArray(), SocketFlags.None).WaitAsync(TimeSpan.FromSeconds(5));
            }
            catch (Exception ex) when (ex is SocketException or TimeoutException or ObjectDisposedException)
            {
            }
        }
    }

    private async Task ServeConnectionAsync(Socket socket)
    {
        IngressMetrics.TcpConnections.Inc();
        var remote = socket.RemoteEndPoint?.ToString() ?? "?";
        try
        {
            socket.NoDelay = true;
            // Fixed kernel buffers (no autotuning to megabytes): what a connection can have queued in the kernel
            // is bounded too, and a client that stops reading acks is noticed after a few hundred acks.
            socket.SendBufferSize = SocketBufferBytes;
            socket.ReceiveBufferSize = SocketBufferBytes;
            await using var stream = new NetworkStream(socket, ownsSocket: true);
            await new Connection(this, stream).RunAsync();
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException or OperationCanceledException or TimeoutException)
        {
            // Client gone, idle, not reading its acks, or the server stopping.
            _logger.LogDebug("TCP ingress: connection {Remote} ended: {Message}", remote, ex.Message);
        }
        catch (StorageUnavailableException ex)
        {
            _logger.LogWarning("TCP ingress: closing {Remote} without acks for its current batch: {Message}", remote, ex.Message);
        }
        catch (Exception ex)
        {
            // A bug must cost this connection only, never the server.
            _logger.LogError(ex, "TCP ingress: connection {Remote} failed", remote);
        }
        finally
        {
            IngressMetrics.TcpConnections.Dec();
        }
    }

    /// <summary>One line's place in a batch: the index of its event, or a reply of its own (auth).</summary>
    private readonly record struct Slot(int EventIndex, byte[]? Reply);

    private sealed class Connection(TcpIngressServer server, NetworkStream stream)
    {
        private readonly TcpIngressOptions _options = server._options;
        private readonly List<WireResult> _events = new(server._options.MaxBatchLines);
        private readonly List<Slot> _slots = new(server._options.MaxBatchLines);
        private readonly ArrayBufferWriter<byte> _acks = new(16 * 1024);
        private readonly Utf8JsonWriter _writer = new(Stream.Null);
        private bool _authenticated = server._keys.IsEmpty;
        private bool _discarding;
        private long _lineNo;

        public async Task RunAsync()
        {
            var reader = PipeReader.Create(stream, new StreamPipeReaderOptions(bufferSize: 16 * 1024, minimumReadSize: 4 * 1024, leaveOpen: true));
            try
            {
                while (true)
                {
                    ReadResult result;
                    using (var idle = CancellationTokenSource.CreateLinkedTokenSource(server._stopping.Token))
                    {
                        idle.CancelAfter(_options.EffectiveIdleTimeout);
                        try
                        {
                            result = await reader.ReadAsync(idle.Token);
                        }
                        catch (OperationCanceledException)
                        {
                            return; // idle for too long, or the server is stopping
                        }
                    }

                    var buffer = result.Buffer;
                    _events.Clear();
                    _slots.Clear();
                    var (batchFull, close) = TakeLines(ref buffer, result.IsCompleted);
                    // Lines are copied into commands by now; keep unread bytes, and when the batch is full look
                    // at them again at once instead of waiting for more input.
                    reader.AdvanceTo(buffer.Start, batchFull ? buffer.Start : buffer.End);

                    if (_slots.Count > 0) await AcknowledgeAsync();
                    if (close || (result.IsCompleted && !batchFull)) return;
                }
            }
            finally
            {
                await reader.CompleteAsync();
            }
        }

        /// <summary>Takes complete lines off <paramref name="buffer"/> until the batch is full or no complete line is left.</summary>
        private (bool BatchFull, bool Close) TakeLines(ref ReadOnlySequence<byte> buffer, bool completed)
        {
            while (true)
            {
                if (_slots.Count >= _options.MaxBatchLines) return (true, false);
                var newline = buffer.PositionOf((byte)'\n');
                if (_discarding)
                {
                    // The rest of a line already answered as too long.
                    if (newline is null)
                    {
                        buffer = buffer.Slice(buffer.End);
                        return (false, false);
                    }

                    buffer = buffer.Slice(buffer.GetPosition(1, newline.Value));
                    _discarding = false;
                    continue;
                }

                ReadOnlySequence<byte> line;
                if (newline is null)
                {
                    if (buffer.Length > _options.MaxLineBytes)
                    {
                        _lineNo++;
                        if (!Admit(buffer.Length)) return (false, true);
                        _discarding = true;
                        buffer = buffer.Slice(buffer.End);
                        return (false, false);
                    }

                    if (!completed || buffer.IsEmpty) return (false, false);
                    line = buffer; // the last line, without a newline
                    buffer = buffer.Slice(buffer.End);
                }
                else
                {
                    line = buffer.Slice(0, newline.Value);
                    buffer = buffer.Slice(buffer.GetPosition(1, newline.Value));
                }

                _lineNo++;
                if (line.Length > _options.MaxLineBytes)
                {
                    if (!Admit(line.Length)) return (false, true);
                    continue;
                }

                if (IsBlank(line)) continue; // empty lines are ignored: no ack
                var bytes = line.IsSingleSegment ? line.First : line.ToArray();
                if (!_authenticated || IsAuthLine(bytes.Span))
                {
                    var (ok, reply) = Authenticate(bytes);
                    _slots.Add(new Slot(-1, reply));
                    if (!ok) return (false, true);
                    _authenticated = true;
                    continue;
                }

                _slots.Add(new Slot(_events.Count, null));
                _events.Add(Parse(bytes));
            }
        }

        /// <summary>Answers an over-long line with a rejection; before authentication it ends the connection.</summary>
        private bool Admit(long length)
        {
            if (!_authenticated)
            {
                _slots.Add(new Slot(-1, AuthReply("rejected", null, "the first line must be {\"auth\":\"KEY\"} (Loyalty:Security:ApiKeys is set)")));
                IngressMetrics.Refused(IngressMetrics.Tcp, IngressMetrics.Reasons.Unauthenticated);
                return false;
            }

            _slots.Add(new Slot(_events.Count, null));
            _events.Add(new WireResult(null, new WireError(null, "",
                $"line {_lineNo} is more than {_options.MaxLineBytes} {EdgeErrors.TooLong} {_options.MaxLineBytes} are allowed (Loyalty:Tcp:MaxLineBytes); length seen {length}")));
            return true;
        }

        private WireResult Parse(ReadOnlyMemory<byte> line)
        {
            if (!Utf8.IsValid(line.Span))
                return new WireResult(null, new WireError(null, "", $"line {_lineNo} {EdgeErrors.NotUtf8}"));
            return EventBodyReader.ReadLine(line, (int)Math.Min(_lineNo, int.MaxValue), server._wire);
        }

        private (bool Ok, byte[] Reply) Authenticate(ReadOnlyMemory<byte> line)
        {
            string? key = null;
            try
            {
                using var doc = JsonDocument.Parse(line);
                if (doc.RootElement.ValueKind == JsonValueKind.Object
                    && doc.RootElement.TryGetProperty("auth", out var auth) && auth.ValueKind == JsonValueKind.String)
                    key = auth.GetString();
            }
            catch (JsonException)
            {
            }

            if (server._keys.IsEmpty) return (true, AuthReply("not_required", null, null));
            if (key is null)
            {
                IngressMetrics.Refused(IngressMetrics.Tcp, IngressMetrics.Reasons.Unauthenticated);
                return (false, AuthReply("rejected", null, "the first line must be {\"auth\":\"KEY\"} (Loyalty:Security:ApiKeys is set)"));
            }

            if (server._keys.Find(key) is not { } role)
            {
                IngressMetrics.Refused(IngressMetrics.Tcp, IngressMetrics.Reasons.Unauthenticated);
                return (false, AuthReply("rejected", null, "unknown key"));
            }

            // Both roles may send events.
            return (true, AuthReply("ok", ApiKeyRing.Name(role), null));
        }

        private static bool IsAuthLine(ReadOnlySpan<byte> line)
        {
            var trimmed = line.TrimStart(" \t"u8);
            return trimmed.StartsWith("{\"auth\""u8);
        }

        private static byte[] AuthReply(string status, string? role, string? error)
        {
            var reply = new Dictionary<string, string?> { ["auth"] = status };
            if (role is not null) reply["role"] = role;
            if (error is not null) reply["error"] = error;
            return JsonSerializer.SerializeToUtf8Bytes(reply);
        }

        private async Task AcknowledgeAsync()
        {
            var count = _events.Count;
            IngressMetrics.AddInFlight(count);
            try
            {
                var outcomes = count == 0 ? [] : await server._ingestor.Value.IngestAsync(_events);
                IngressMetrics.Record(IngressMetrics.Tcp, outcomes);
                _acks.Clear();
                foreach (var slot in _slots)
                {
                    if (slot.Reply is { } reply) _acks.Write(reply);
                    else WriteAck(outcomes[slot.EventIndex]);
                    _acks.Write("\n"u8);
                }

                await WriteAsync(_acks.WrittenMemory);
            }
            finally
            {
                IngressMetrics.AddInFlight(-count);
            }
        }

        private void WriteAck(EventOutcome outcome)
        {
            _writer.Reset(_acks);
            _writer.WriteStartObject();
            if (outcome.EventId is null) _writer.WriteNull("event_id");
            else _writer.WriteString("event_id", outcome.EventId);
            _writer.WriteString("status", outcome.Status);
            if (outcome.Error is null) _writer.WriteNull("error");
            else _writer.WriteString("error", outcome.Error);
            _writer.WriteEndObject();
            _writer.Flush();
        }

        /// <summary>Writes acks; while the client does not read them the connection counts as waiting (and is not read).</summary>
        private async Task WriteAsync(ReadOnlyMemory<byte> bytes)
        {
            var write = stream.WriteAsync(bytes, server._stopping.Token).AsTask();
            if (write.IsCompleted)
            {
                await write;
                return;
            }

            IngressMetrics.TcpBlockedOnAcks.Inc();
            try
            {
                await write.WaitAsync(_options.EffectiveIdleTimeout);
            }
            finally
            {
                IngressMetrics.TcpBlockedOnAcks.Dec();
            }
        }

        private static bool IsBlank(ReadOnlySequence<byte> line)
        {
            foreach (var segment in line)
            foreach (var b in segment.Span)
                if (b is not ((byte)' ' or (byte)'\t' or (byte)'\r'))
                    return false;
            return true;
        }
    }
}
