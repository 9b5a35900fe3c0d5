using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using System.Threading.Channels;

namespace LoyaltyActors.Host.Replay;

/// <summary>
/// Runs an input's reading and parsing on a thread of its own, a few chunks ahead of the consumer, so that parsing
/// the next rows overlaps deciding and writing the previous ones. Items come out in the source's order; an exception
/// of the source comes out where its item would have.
/// </summary>
internal static class ReadAhead
{
    private const int ChunkSize = 512;
    private const int FirstChunkSize = 8;
    private const int ChunksAhead = 8;

    /// <summary>The source read on demand, on the consumer's thread.</summary>
    public static async IAsyncEnumerable<T> InPlace<T>(IEnumerable<T> source, [EnumeratorCancellation] CancellationToken ct)
    {
        await Task.CompletedTask;
        foreach (var item in source)
        {
            ct.ThrowIfCancellationRequested();
            yield return item;
        }
    }

    public static async IAsyncEnumerable<T> Of<T>(IEnumerable<T> source, [EnumeratorCancellation] CancellationToken ct)
    {
        var chunks = Channel.CreateBounded<T[]>(new BoundedChannelOptions(ChunksAhead) { SingleReader = true, SingleWriter = true });
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        ExceptionDispatchInfo? failure = null;
        // The producer keeps a thread of its own for the whole input and blocks on it when it is ahead: were it to await,
        // it would continue on the thread pool, whose workers the consumer (and a bulk replay's writer) hold for seconds at
        // a time, and a queued continuation can wait there until the pool notices it is starved.
        var producer = Task.Factory.StartNew(() =>
        {
            // The first stage: on a machine short of cores, what it has read is decided and written before more is read. (Its
            // task's continuations run elsewhere: the consumer's code after the input's end must not run on this thread.)
            UpstreamPriority.Lower();
            var chunk = new List<T>(ChunkSize);
            // The first chunks are small and each twice the last, up to the full size: a full first chunk (Online Retail:
            // 512 invoices, ~10,000 rows) kept the consumer waiting while the reader started alone.
            var size = FirstChunkSize;
            try
            {
                try
                {
                    foreach (var item in source)
                    {
                        chunk.Add(item);
                        if (chunk.Count < size) continue;
                        Put(chunk.ToArray());
                        chunk.Clear();
                        size = Math.Min(size * 2, ChunkSize);
                    }
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !stop.IsCancellationRequested)
                {
                    failure = ExceptionDispatchInfo.Capture(ex);
                }

                // What was read before the end, or before the failure, goes out ahead of it.
                if (chunk.Count > 0) Put(chunk.ToArray());
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                // The consumer stopped early.
            }
            finally
            {
                chunks.Writer.TryComplete();
            }

            void Put(T[] full)
            {
                while (!chunks.Writer.TryWrite(full))
                    if (!chunks.Writer.WaitToWriteAsync(stop.Token).AsTask().GetAwaiter().GetResult()) return;
            }
        }, CancellationToken.None, TaskCreationOptions.LongRunning | TaskCreationOptions.RunContinuationsAsynchronously, TaskScheduler.Default);

        try
        {
            while (await chunks.Reader.WaitToReadAsync(ct))
            {
                while (chunks.Reader.TryRead(out var chunk))
                {
                    foreach (var item in chunk) yield return item;
                }
            }

            await producer;
            failure?.Throw();
        }
        finally
        {
            await stop.CancelAsync();
            await producer;
        }
    }
}
