using LoyaltyActors.Domain.Customers;

namespace LoyaltyActors.Ingress.Replay;

/// <summary>
/// One thing the replay has to account for: a command to send, or rows rejected with a reason.
/// Every data row of the input is covered by exactly one item, so Σ <see cref="Rows"/> over a replay
/// equals the number of data rows read (headers and blank lines are not data rows).
/// </summary>
/// <param name="Source">The file name (without its folder) the item's first row comes from.</param>
/// <param name="Line">The 1-based physical line number of the item's first row in <paramref name="Source"/>.</param>
/// <param name="Rows">How many data rows this item covers; may be 0 for a command whose rows are
/// already counted by another item (a cancelled row split over several original orders).</param>
/// <param name="Command">The command to send, or null when the rows are rejected.</param>
/// <param name="EventId">The command's event id; for a rejected ndjson event the id when it could be read.</param>
/// <param name="Error">Why the rows are rejected, naming the column or field; null for a command. It does not
/// repeat <paramref name="Source"/> and <paramref name="Line"/>: a rejects report shows them beside it.</param>
/// <param name="BytesRead">Bytes read so far, cumulative over all files of the replay (for progress; it
/// advances by read-buffer steps, and reaches <see cref="ReplayReader.TotalBytes"/> at the end).</param>
public sealed record ReplayItem(
    string Source,
    long Line,
    int Rows,
    CustomerCommand? Command,
    string? EventId,
    string? Error,
    long BytesRead)
{
    /// <summary>True when this item carries a command to send.</summary>
    public bool IsCommand => Command is not null;

    internal static ReplayItem Send(string source, long line, int rows, CustomerCommand command, long bytesRead) =>
        new(source, line, rows, command, command.EventId, null, bytesRead);

    internal static ReplayItem Reject(string source, long line, int rows, string error, long bytesRead, string? eventId = null) =>
        new(source, line, rows, null, eventId, error, bytesRead);
}
