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
        var producer = Task.Factory.StartNew(async () =>
        {
            try
            {
                var chunk = new List<T>(ChunkSize);
                foreach (var item in source)
                {
                    chunk.Add(item);
                    if (chunk.Count < ChunkSize) continue;
                    await chunks.Writer.WriteAsync(chunk.ToArray(), stop.Token);
                    chunk.Clear();
                }

                if (chunk.Count > 0) await chunks.Writer.WriteAsync(chunk.ToArray(), stop.Token);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                // The consumer stopped early.
            }
            catch (Exception ex)
            {
                failure = ExceptionDispatchInfo.Capture(ex);
            }
            finally
            {
                chunks.Writer.TryComplete();
            }
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default).Unwrap();

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
