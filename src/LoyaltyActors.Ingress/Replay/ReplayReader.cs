using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json;
using LoyaltyActors.Domain.Customers;
using LoyaltyActors.Domain.Wire;
using NodaTime;
using NodaTime.Text;

namespace LoyaltyActors.Ingress.Replay;

/// <summary>
/// Turns a file, or a folder of files read in ordinal name order, into the commands a replay sends.
/// Pure and streaming: it only reads the files, line by line, and yields one <see cref="ReplayItem"/> per
/// command or per group of rejected rows as it goes, so every data row is accounted for exactly once.
/// Event ids are derived from the input alone (file name, line, basket or invoice number), so replaying
/// the same file again yields the same ids and the engine acknowledges them as duplicates.
/// Blank lines are not data rows and are skipped in every format.
/// </summary>
public static class ReplayReader
{
    /// <summary>Channel of the commands read from <see cref="ReplayFormat.Cdnow"/> and <see cref="ReplayFormat.CdnowSample"/>.</summary>
    public const string CdnowChannel = "cdnow";

    /// <summary>Channel of the commands read from <see cref="ReplayFormat.Baskets"/>.</summary>
    public const string BasketsChannel = "baskets";

    /// <summary>The instant of basket 0: basket n is bought at this instant plus n seconds.</summary>
    public static readonly Instant BasketEpoch = Instant.FromUtc(2000, 1, 1, 0, 0);

    private static readonly LocalDatePattern CdnowDate = LocalDatePattern.CreateWithInvariantCulture("uuuuMMdd");

    /// <summary>The total size in bytes of the files <paramref name="path"/> stands for (the 100 % of progress).</summary>
    public static long TotalBytes(string path) => ReplayInput.Files(path).Sum(f => new FileInfo(f).Length);

    /// <summary>
    /// Loads what reading <paramref name="format"/> will need first and is slow to load (Online Retail: the tz database's
    /// Europe/London, ~35 ms of a fresh process), on the calling thread; a caller runs it on a thread-pool thread so that
    /// it overlaps whatever it does before it reads (opening the journal). Never throws: the reader meets the same failure
    /// on its first date and reports it.
    /// </summary>
    public static void Prepare(ReplayFormat format)
    {
        try
        {
            if (format == ReplayFormat.OnlineRetail) OnlineRetailReader.Prepare();
        }
        catch (Exception)
        {
            // Reported by the reader.
        }
    }

    /// <summary>
    /// Asks the operating system to start reading the first <see cref="ReplayInput.PrefetchBytes"/> of
    /// <paramref name="path"/>'s files into memory (Linux), so that the disk works while the process starts; the reader
    /// keeps asking ahead as it goes. Never throws: a path that cannot be read is reported by the reader.
    /// </summary>
    public static void Prefetch(string path)
    {
        try
        {
            ReplayInput.Prefetch(ReplayInput.Files(path), 0, ReplayInput.PrefetchBytes);
        }
        catch (Exception)
        {
            // Reported by the reader.
        }
    }

    /// <summary>
    /// The items of <paramref name="path"/> read as <paramref name="format"/>. The path is checked now
    /// (<see cref="FileNotFoundException"/> when missing); the files are read lazily as the result is enumerated.
    /// </summary>
    public static IEnumerable<ReplayItem> Read(string path, ReplayFormat format, WireLimits limits)
    {
        ArgumentNullException.ThrowIfNull(limits);
        var files = ReplayInput.Files(path);
        return format switch
        {
            ReplayFormat.Ndjson => ReadNdjson(files, limits),
            ReplayFormat.Cdnow => ReadCdnow(files, limits, sample: false),
            ReplayFormat.CdnowSample => ReadCdnow(files, limits, sample: true),
            ReplayFormat.Baskets => ReadBaskets(files, limits),
            ReplayFormat.OnlineRetail => new OnlineRetailReader(files, limits).Read(),
            _ => throw new ArgumentOutOfRangeException(nameof(format), format, "unknown replay format"),
        };
    }

    // ---- ndjson ----

    /// <summary>Each non-blank line is one wire-format v1 event, read by <see cref="WireFormat.Read"/>.</summary>
    private static IEnumerable<ReplayItem> ReadNdjson(IReadOnlyList<string> files, WireLimits limits)
    {
        foreach (var cursor in ReplayInput.Cursors(files))
        {
            while (cursor.TryReadLine(out var line))
            {
                if (string.IsNullOrWhiteSpace(line)) continue;
                WireResult result;
                string? jsonError = null;
                try
                {
                    using var doc = JsonDocument.Parse(line);
                    result = WireFormat.Read(doc.RootElement, limits);
                }
                catch (JsonException e)
                {
                    result = default;
                    jsonError = $"invalid JSON: {e.Message}";
                }

                yield return result.Command is { } command
                    ? ReplayItem.Send(cursor.Name, cursor.LineNumber, 1, command, cursor.BytesRead)
                    : ReplayItem.Reject(cursor.Name, cursor.LineNumber, 1,
                        jsonError ?? result.Error!.ToString(), cursor.BytesRead, result.Error?.EventId);
            }
        }
    }

    // ---- CDNOW ----

    /// <summary>
    /// CDNOW: one purchase per row. The first line of a file is a header when it holds no digit
    /// (<c>customer_id  date number_of_cds  dollar_value</c>); columns are split on runs of whitespace.
    /// The customer id is the key exactly as written, leading zeros kept (<c>00001</c> in the master file,
    /// <c>0001</c> — the sample id, the ID of the published lifetimes summaries — in the sample), so ids match
    /// the files and the published tables textually. Event id and order id are <c>file:line</c>
    /// (e.g. <c>CDNOW_master.txt:2</c>); the time is the day at 00:00 UTC; the single line is
    /// SKU <c>CD</c>, category <c>music</c>, quantity 1 and unit price = the dollar value read exactly as a decimal
    /// (so monetary sums are exact); the CD count is checked (a whole number ≥ 0) but not carried.
    /// Zero-dollar rows are valid purchases.
    /// </summary>
    private static IEnumerable<ReplayItem> ReadCdnow(IReadOnlyList<string> files, WireLimits limits, bool sample)
    {
        var columns = sample ? 5 : 4;
        var layout = sample
            ? "master_id sample_id yyyymmdd number_of_cds dollar_value"
            : "customer_id yyyymmdd number_of_cds dollar_value";
        var keyColumn = sample ? 1 : 0;
        var keyName = sample ? "sample_id" : "customer_id";
        var row = new CdnowRowReader(columns, layout, keyColumn, keyName, limits);
        foreach (var cursor in ReplayInput.Cursors(files))
        {
            while (row.Next(cursor) is { } item) yield return item;
        }
    }

    /// <summary>One CDNOW row at a time, from the line's characters: only the customer id (once per customer) and the event id become strings.</summary>
    private sealed class CdnowRowReader(int columns, string layout, int keyColumn, string keyName, WireLimits limits)
    {
        private readonly (int Start, int Length)[] _fields = new (int, int)[columns + 1];
        private readonly CheckedIds _keys = new($"column {keyColumn + 1} ({keyName})", limits);

        /// <summary>The item of the cursor's next data row (blank lines and a header skipped); null at the file's end.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public ReplayItem? Next(LineCursor cursor)
        {
            while (cursor.TryReadLineSpan(out var line))
            {
                if (line.IsWhiteSpace()) continue;
                if (cursor.LineNumber == 1 && !line.ContainsAnyInRange('0', '9')) continue; // header
                var id = $"{cursor.Name}:{cursor.LineNumber}";
                var (command, error) = Row(line, id);
                return command is not null
                    ? ReplayItem.Send(cursor.Name, cursor.LineNumber, 1, command, cursor.BytesRead)
                    : ReplayItem.Reject(cursor.Name, cursor.LineNumber, 1, error!, cursor.BytesRead);
            }

            return null;
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private (RecordPurchase? Command, string? Error) Row(ReadOnlySpan<char> line, string id)
        {
            // Whitespace-separated columns, as string.Split(null, RemoveEmptyEntries) finds them.
            var found = 0;
            for (var i = 0; i < line.Length;)
            {
                if (char.IsWhiteSpace(line[i]))
                {
                    i++;
                    continue;
                }

                var start = i;
                while (i < line.Length && !char.IsWhiteSpace(line[i])) i++;
                if (found < _fields.Length) _fields[found] = (start, i - start);
                found++;
            }

            if (found != columns)
                return (null, $"expected {columns} whitespace-separated columns ({layout}), found {found}");
            var c = keyColumn;
            var key = _keys.Get(Field(line, c), out var keyError);
            if (keyError is not null) return (null, keyError);
            if (Date(Field(line, c + 1)) is not { } date)
                return (null, $"column {c + 2} (date): {ReplayChecks.Quote(Field(line, c + 1).ToString())} is not a date yyyymmdd");
            if (!int.TryParse(Field(line, c + 2), NumberStyles.None, CultureInfo.InvariantCulture, out _))
                return (null, $"column {c + 3} (number_of_cds): {ReplayChecks.Quote(Field(line, c + 2).ToString())} is not a whole number ≥ 0");
            if (!decimal.TryParse(Field(line, c + 3), NumberStyles.AllowDecimalPoint | NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var dollars))
                return (null, $"column {c + 4} (dollar_value): {ReplayChecks.Quote(Field(line, c + 3).ToString())} is not a decimal number");
            if (ReplayChecks.UnitPrice($"column {c + 4} (dollar_value)", dollars, limits) is { } priceError) return (null, priceError);
            if (ReplayChecks.Id("event_id", id, limits) is { } idError) return (null, idError);
            var at = date.AtStartOfDayInZone(DateTimeZone.Utc).ToInstant();
            return (new RecordPurchase(id, key, at, id, CdnowChannel, new[] { new PurchaseLineInput("CD", "music", 1, dollars) }), null);
        }

        private ReadOnlySpan<char> Field(ReadOnlySpan<char> line, int k) => line.Slice(_fields[k].Start, _fields[k].Length);

        /// <summary>yyyymmdd: eight digits read directly; anything else goes through the pattern (and is refused by the length).</summary>
        private static LocalDate? Date(ReadOnlySpan<char> text)
        {
            if (text.Length != 8) return null;
            if (text.ContainsAnyExceptInRange('0', '9'))
            {
                var parsed = CdnowDate.Parse(text.ToString());
                return parsed.Success ? parsed.Value : null;
            }

            var (year, month, day) = (Digits(text[..4]), Digits(text[4..6]), Digits(text[6..]));
            if (month is < 1 or > 12 || day < 1 || day > CalendarSystem.Iso.GetDaysInMonth(year, month)) return null;
            return new LocalDate(year, month, day);
        }

        private static int Digits(ReadOnlySpan<char> digits)
        {
            var n = 0;
            foreach (var d in digits) n = n * 10 + (d - '0');
            return n;
        }
    }

    // ---- baskets ----

    /// <summary>
    /// Baskets (Groceries layout): each non-blank line is basket n, n being the 1-based line number counted
    /// over the files in name order (for one file: the line number). Basket n is order <c>basket-n</c> of
    /// customer <c>basket-n</c>, event id <c>file:basket-n</c>, bought at <see cref="BasketEpoch"/> + n seconds.
    /// Items are split on commas (the layout has no quoting) and trimmed of surrounding whitespace, as arules
    /// <c>read.transactions</c> does (so <c>"cream cheese "</c> is <c>"cream cheese"</c>); empty items are
    /// dropped and an item repeated within a basket is one line (a basket is a set of items). Each item is one
    /// line: SKU = item, category empty, quantity 1, unit price 0. A line with no item is rejected.
    /// </summary>
    private static IEnumerable<ReplayItem> ReadBaskets(IReadOnlyList<string> files, WireLimits limits)
    {
        long linesBefore = 0;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var cursor in ReplayInput.Cursors(files))
        {
            while (cursor.TryReadLine(out var line))
            {
                if (string.IsNullOrWhiteSpace(line)) continue;
                var n = linesBefore + cursor.LineNumber;
                var basket = $"basket-{n.ToString(CultureInfo.InvariantCulture)}";
                var eventId = $"{cursor.Name}:{basket}";
                var lines = new List<PurchaseLineInput>();
                string? error = ReplayChecks.Id("event_id", eventId, limits);
                seen.Clear();
                var index = 0;
                foreach (var raw in line.Split(','))
                {
                    index++;
                    var item = raw.Trim();
                    if (item.Length == 0 || !seen.Add(item)) continue;
                    if (error is null && ReplayChecks.Id($"item {index}", item, limits) is { } itemError) error = itemError;
                    lines.Add(new PurchaseLineInput(item, "", 1, 0m));
                }

                error ??= lines.Count == 0 ? "the basket has no items" : ReplayChecks.Lines(lines.Count, limits);
                var at = BasketEpoch.Plus(Duration.FromSeconds(n));
                yield return error is null
                    ? ReplayItem.Send(cursor.Name, cursor.LineNumber, 1,
                        new RecordPurchase(eventId, basket, at, basket, BasketsChannel, lines.ToArray()), cursor.BytesRead)
                    : ReplayItem.Reject(cursor.Name, cursor.LineNumber, 1, error!, cursor.BytesRead);
            }

            linesBefore += cursor.LineNumber;
        }
    }
}
