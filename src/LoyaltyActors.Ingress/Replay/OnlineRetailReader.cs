using System.Buffers;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using LoyaltyActors.Domain.Customers;
using LoyaltyActors.Domain.Wire;
using NodaTime;
using NodaTime.Text;
using NodaTime.TimeZones;

namespace LoyaltyActors.Ingress.Replay;

/// <summary>
/// The UCI Online Retail layout (one CSV, or one CSV per day read in name order): header
/// <c>InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country</c> (columns found by
/// name), RFC 4180 quoting. The rows of one InvoiceNo form one order.
/// <list type="bullet">
/// <item>Grouping: the rows of an invoice are expected together; rows of an invoice that is still open (seen
/// within the last <see cref="Lookahead"/> rows) join it even when other invoices' rows come between — the data
/// holds one such invoice, 542806 on 2011-02-01. Invoices are handled in order of their first row. An invoice
/// number that comes back after its invoice was closed is rejected (it would repeat the event id).</item>
/// <item>Time: InvoiceDate (<c>yyyy-MM-dd HH:mm[:ss]</c>, or <c>M/d/yyyy H:mm</c> as in the single-file export) is
/// UK local time, converted with tzdb <c>Europe/London</c> and the lenient resolver; an order's time is that of
/// its first row. CustomerID <c>17850.0</c> is customer <c>17850</c>.</item>
/// <item>Sale invoice (not C, not A) with a CustomerID: one purchase, event id <c>ore:&lt;InvoiceNo&gt;</c>, order id
/// InvoiceNo, channel <c>online-retail</c>, one line per row with Quantity &gt; 0 and UnitPrice ≥ 0 (zero-priced
/// lines are valid): SKU = StockCode, category empty, exact decimal prices. Its rows with Quantity ≤ 0 or
/// UnitPrice &lt; 0 are adjustments and are rejected one by one.</item>
/// <item>Cancellation (C) invoice with a CustomerID: returns. The data does not name the cancelled order, so per
/// customer the units bought and not yet returned are kept per (order, StockCode), and each cancelled row is
/// allocated to the customer's most recent earlier orders holding that StockCode, newest first. One return per
/// original order (event id <c>ore:&lt;C-InvoiceNo&gt;:&lt;OrderId&gt;</c>). A row is either allocated in full
/// (counted once, in the first return it feeds) or, when fewer units are available (bought before the data
/// starts, or already returned), rejected in full and nothing of it is allocated.</item>
/// <item>Rows without a CustomerID are rejected, one item per invoice ("no CustomerID"); A invoices are rejected
/// ("bad-debt adjustment").</item>
/// </list>
/// </summary>
internal sealed class OnlineRetailReader(IReadOnlyList<string> files, WireLimits limits)
{
    public const string Channel = "online-retail";

    /// <summary>Rows after which an invoice not seen again is closed and handled.</summary>
    public const int Lookahead = 1000;

    /// <summary>Longest record (in characters) before an open quote is taken for an unterminated field.</summary>
    private const int MaxRecordChars = 1 << 20;

    private static readonly string[] Required = ["InvoiceNo", "StockCode", "Quantity", "InvoiceDate", "UnitPrice", "CustomerID"];

    /// <summary>The InvoiceDate layouts, tried in order (built at first need: the common one is read without them).</summary>
    private static class DatePatterns
    {
        public static readonly LocalDateTimePattern[] All =
        [
            LocalDateTimePattern.CreateWithInvariantCulture("uuuu-MM-dd HH:mm:ss"),
            LocalDateTimePattern.CreateWithInvariantCulture("uuuu-MM-dd HH:mm"),
            LocalDateTimePattern.CreateWithInvariantCulture("M/d/uuuu H:mm"),
            LocalDateTimePattern.CreateWithInvariantCulture("M/d/uuuu H:mm:ss"),
        ];
    }

    private static readonly SearchValues<char> Digits = SearchValues.Create("0123456789");

    private static readonly DateTimeZone London = DateTimeZoneProviders.Tzdb["Europe/London"];

    /// <summary>Loads the time zone the InvoiceDate is read in (the type's static state); see <see cref="ReplayReader.Prepare"/>.</summary>
    internal static void Prepare() => _ = London.Id;

    private readonly Queue<Invoice> _queue = new();
    private readonly Dictionary<string, Invoice> _open = new(StringComparer.Ordinal);
    // Where each handled invoice began. Values are objects: a dictionary of string to object runs the runtime's precompiled
    // code from the start, where one of string to a tuple was compiled for this program and ran unoptimised in a short replay.
    private readonly Dictionary<string, ClosedInvoice> _closed = new(StringComparer.Ordinal);

    /// <summary>Per customer and StockCode: the customer's orders holding it with units not yet returned.</summary>
    private readonly Holdings _holdings = new();

    /// <summary>The order ids of <see cref="_holdings"/>, by number.</summary>
    private readonly List<string> _orderIds = [];

    private readonly List<(int Order, int Units)> _taken = [];
    private readonly List<(int Sku, int Units)> _bought = [];

    // Each distinct CustomerID and StockCode becomes a string once, with the verdict of its id check.
    private readonly CheckedIds _customerIds = new("CustomerID", limits);
    private readonly CheckedIds _skus = new("StockCode", limits);

    // Rows and invoices are reused once their invoice is handled: a row copies the six fields it needs out of the line.
    private readonly Stack<Row> _freeRows = new();
    private readonly Stack<Invoice> _freeInvoices = new();
    private readonly List<CsvField> _fields = [];
    private readonly List<Row> _noCustomer = [];
    private readonly List<Parsed> _valid = [];

    private readonly List<ReplayItem> _out = [];
    private Invoice? _lastInvoice;
    private long _rowIndex;
    private string? _lastDateText;
    private Instant? _lastDate;
    private readonly CachedZone _london = new(London);
    private long _bytesRead;

    public IEnumerable<ReplayItem> Read()
    {
        foreach (var cursor in ReplayInput.Cursors(files))
        {
            var file = new FileState();
            while (NextItems(cursor, file))
            {
                foreach (var item in _out) yield return item;
                _out.Clear();
            }

            _bytesRead = cursor.BytesRead;
            if (file.BadRows > 0)
                yield return ReplayItem.Reject(cursor.Name, file.BadLine, file.BadRows,
                    $"the file's first line is not an online-retail header ({file.HeaderError}); none of its rows was read", _bytesRead);
        }

        while (_queue.Count > 0) Close(_queue.Dequeue());
        foreach (var item in _out) yield return item;
        _out.Clear();
    }

    /// <summary>
    /// Reads records until one puts items in <see cref="_out"/> (true) or the file ends (false). Most records put none (their
    /// invoice is still open): this loop, not the iterator's, runs once per record, and only this one is compiled optimised
    /// from the start (the iterator's code runs unoptimised through a short replay).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private bool NextItems(LineCursor cursor, FileState file)
    {
        while (NextRecord(cursor, file))
            if (_out.Count > 0) return true;
        return false;
    }

    /// <summary>Reads the next non-blank record of the file and handles it (items go to <see cref="_out"/>); false at its end.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private bool NextRecord(LineCursor cursor, FileState file)
    {
        ReadOnlySpan<char> text;
        do
        {
            if (!cursor.TryReadLineSpan(out text)) return false;
        } while (text.IsWhiteSpace());

        var line = cursor.LineNumber;
        var status = Csv.Split(text, _fields, out var csvError);
        if (status == CsvStatus.Incomplete)
        {
            // A quoted field holds a line break: join physical lines until it closes.
            var joined = text.ToString();
            while (status == CsvStatus.Incomplete)
            {
                if (joined.Length > MaxRecordChars || !cursor.TryReadLine(out string? more))
                {
                    csvError = "a quoted field is not closed";
                    _fields.Clear();
                    break;
                }

                joined = joined + "\n" + more;
                status = Csv.Split(joined, _fields, out csvError);
            }

            text = joined;
        }

        _bytesRead = cursor.BytesRead;
        if (file.Columns is null && file.HeaderError is null)
        {
            file.HeaderError = ReadHeader(text, _fields, csvError, out file.Columns);
            file.HeaderCount = _fields.Count;
            return true;
        }

        if (file.HeaderError is not null)
        {
            if (file.BadRows++ == 0) file.BadLine = line;
            return true;
        }

        _rowIndex++;
        if (csvError is not null)
            _out.Add(ReplayItem.Reject(cursor.Name, line, 1, csvError, _bytesRead));
        else if (_fields.Count != file.HeaderCount)
            _out.Add(ReplayItem.Reject(cursor.Name, line, 1, $"has {_fields.Count} fields; the header has {file.HeaderCount}", _bytesRead));
        else
            Add(RentRow(cursor.Name, line, text, file.Columns!));

        FlushStale();
        return true;
    }

    private static string? ReadHeader(ReadOnlySpan<char> text, List<CsvField> fields, string? csvError, out int[]? columns)
    {
        columns = null;
        if (csvError is not null) return csvError;
        var map = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < fields.Count; i++) map.TryAdd(fields[i].ToString(text).Trim(), i);
        var missing = Required.Where(r => !map.ContainsKey(r)).ToArray();
        if (missing.Length > 0) return $"missing column{(missing.Length > 1 ? "s" : "")} {string.Join(", ", missing)}";
        columns = Array.ConvertAll(Required, r => map[r]);
        return null;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private Row RentRow(string source, long line, ReadOnlySpan<char> text, int[] columns)
    {
        var row = _freeRows.TryPop(out var free) ? free : new Row();
        row.Set(source, line, text, _fields, columns);
        return row;
    }

    /// <summary>What is known of the file being read: its header, or why its rows cannot be read.</summary>
    private sealed class FileState
    {
        public int[]? Columns;
        public int HeaderCount;
        public string? HeaderError;
        public long BadLine;
        public int BadRows;
    }

    // ---- grouping ----

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Add(Row row)
    {
        // The rows of an invoice mostly come one after the other: the previous row's invoice is checked first.
        var number = row.InvoiceNo;
        var invoice = _lastInvoice;
        if (invoice is null || !invoice.Open || !number.SequenceEqual(invoice.InvoiceNo))
        {
            if (!_open.GetAlternateLookup<ReadOnlySpan<char>>().TryGetValue(number, out invoice))
            {
                var invoiceNo = number.ToString();
                invoice = _freeInvoices.TryPop(out var free) ? free : new Invoice();
                invoice.Start(invoiceNo, _closed.TryGetValue(invoiceNo, out var earlier) ? (earlier.Source, earlier.Line) : null);
                _open[invoiceNo] = invoice;
                _queue.Enqueue(invoice);
            }

            _lastInvoice = invoice;
        }

        invoice.Rows.Add(row);
        invoice.LastRowIndex = _rowIndex;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void FlushStale()
    {
        while (_queue.Count > 0 && _rowIndex - _queue.Peek().LastRowIndex >= Lookahead) Close(_queue.Dequeue());
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Close(Invoice invoice)
    {
        Handle(invoice);
        foreach (var row in invoice.Rows) _freeRows.Push(row);
        invoice.End();
        _freeInvoices.Push(invoice);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Handle(Invoice invoice)
    {
        _open.Remove(invoice.InvoiceNo);
        _closed.TryAdd(invoice.InvoiceNo, new ClosedInvoice(invoice.Rows[0].Source, invoice.Rows[0].Line));
        if (invoice.ClosedEarlier is { } earlier)
        {
            Reject(invoice.Rows, $"InvoiceNo {invoice.InvoiceNo} already ended at {earlier.Source} line {earlier.Line}; " +
                $"the rows of an invoice must lie within {Lookahead} rows of each other");
            return;
        }

        if (ReplayChecks.Id("InvoiceNo", invoice.InvoiceNo, limits) is { } invoiceError)
        {
            Reject(invoice.Rows, invoiceError);
            return;
        }

        if (invoice.InvoiceNo.StartsWith('A'))
        {
            Reject(invoice.Rows, "bad-debt adjustment (A invoice), not a purchase or a return");
            return;
        }

        var cancel = invoice.InvoiceNo.StartsWith('C');
        var noCustomer = _noCustomer;
        var valid = _valid;
        noCustomer.Clear();
        valid.Clear();
        string? customer = null;
        foreach (var row in invoice.Rows)
        {
            if (row.CustomerId.IsEmpty)
            {
                noCustomer.Add(row);
                continue;
            }

            var error = Parse(row, out var parsed);
            if (error is null && customer is not null && !string.Equals(customer, parsed.Customer, StringComparison.Ordinal))
                error = $"CustomerID: {parsed.Customer} differs from {customer}, the customer of the invoice's earlier rows";
            if (error is null && !cancel)
            {
                if (parsed.Quantity <= 0)
                    error = $"Quantity: {parsed.Quantity} ≤ 0 in sale invoice {invoice.InvoiceNo}: an adjustment, not a purchase";
                else if (parsed.UnitPrice < 0)
                    error = $"UnitPrice: {ReplayChecks.Text(parsed.UnitPrice)} < 0 in sale invoice {invoice.InvoiceNo}: an adjustment, not a purchase";
                else
                    error = ReplayChecks.Qty("Quantity", parsed.Quantity, limits) ?? ReplayChecks.UnitPrice("UnitPrice", parsed.UnitPrice, limits);
            }
            else if (error is null)
            {
                error = parsed.Quantity >= 0
                    ? $"Quantity: {parsed.Quantity} ≥ 0 in cancellation invoice {invoice.InvoiceNo}; a cancelled line has a negative quantity"
                    : ReplayChecks.Qty("Quantity", -(long)parsed.Quantity, limits);
            }

            if (error is not null)
            {
                _out.Add(ReplayItem.Reject(row.Source, row.Line, 1, error, _bytesRead));
                continue;
            }

            customer ??= parsed.Customer;
            valid.Add(parsed);
        }

        if (noCustomer.Count > 0) Reject(noCustomer, "no CustomerID");
        if (valid.Count == 0) return;
        if (cancel) Returns(invoice.InvoiceNo, customer!, valid);
        else Purchase(invoice.InvoiceNo, customer!, valid);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private string? Parse(Row row, out Parsed parsed)
    {
        parsed = default;
        if (!TryNormalizeCustomer(row.CustomerId, out var whole)) return $"CustomerID: {ReplayChecks.Quote(row.CustomerId.ToString())} is not a whole number";
        var customer = _customerIds.Get(whole, out var customerError, out var customerNo);
        if (customerError is not null) return customerError;
        var sku = _skus.Get(row.StockCode, out var skuError, out var skuNo);
        if (skuError is not null) return skuError;
        if (!ReplayNumbers.TryParseInt(row.Quantity, out var qty))
            return $"Quantity: {ReplayChecks.Quote(row.Quantity.ToString())} is not a whole number";
        if (!ReplayNumbers.TryParseDecimal(row.UnitPrice, out var price))
            return $"UnitPrice: {ReplayChecks.Quote(row.UnitPrice.ToString())} is not a number";
        if (CachedDate(row.InvoiceDate) is not { } at)
            return $"InvoiceDate: {ReplayChecks.Quote(row.InvoiceDate.ToString())} is not a date and time yyyy-MM-dd HH:mm:ss";
        parsed = new Parsed(row, customer, customerNo, sku, skuNo, qty, price, at);
        return null;
    }

    /// <summary><c>17850.0</c> → <c>17850</c>; digits with an all-zero fraction, else null.</summary>
    internal static string? NormalizeCustomer(string text) => TryNormalizeCustomer(text, out var whole) ? whole.ToString() : null;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static bool TryNormalizeCustomer(ReadOnlySpan<char> text, out ReadOnlySpan<char> whole)
    {
        var dot = text.IndexOf('.');
        whole = dot < 0 ? text : text[..dot];
        if (whole.IsEmpty || whole.ContainsAnyExcept(Digits)) return false;
        return dot < 0 || text[(dot + 1)..].TrimStart('0').IsEmpty;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private Instant? CachedDate(ReadOnlySpan<char> text)
    {
        // The rows of an invoice share their InvoiceDate: parse each distinct text once in a row.
        if (_lastDateText is null || !text.SequenceEqual(_lastDateText))
        {
            _lastDateText = text.ToString();
            _lastDate = TryReadIsoLocal(_lastDateText, out var local) ? _london.Resolve(local) : ParseDate(_lastDateText);
        }

        return _lastDate;
    }

    internal static Instant? ParseDate(string text)
    {
        if (TryReadIsoLocal(text, out var local)) return London.ResolveLocal(local, Resolvers.LenientResolver).ToInstant();
        foreach (var pattern in DatePatterns.All)
        {
            var result = pattern.Parse(text);
            if (result.Success) return London.ResolveLocal(result.Value, Resolvers.LenientResolver).ToInstant();
        }

        return null;
    }

    /// <summary>
    /// <c>yyyy-MM-dd HH:mm:ss</c> or <c>yyyy-MM-dd HH:mm</c> (years 1000–9999, hours 0–23) read digit by digit, as the
    /// first two <see cref="DatePatterns"/> would read it; anything else, valid or not, is left to them.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static bool TryReadIsoLocal(ReadOnlySpan<char> text, out LocalDateTime local)
    {
        local = default;
        if (text.Length is not (16 or 19) || text[4] != '-' || text[7] != '-' || text[10] != ' ' || text[13] != ':') return false;
        if (text.Length == 19 && text[16] != ':') return false;
        if (!Digits2(text, 0, out var century) || !Digits2(text, 2, out var yy) || !Digits2(text, 5, out var month) ||
            !Digits2(text, 8, out var day) || !Digits2(text, 11, out var hour) || !Digits2(text, 14, out var minute)) return false;
        var second = 0;
        if (text.Length == 19 && !Digits2(text, 17, out second)) return false;
        var year = century * 100 + yy;
        if (year < 1000 || month is < 1 or > 12 || day < 1 || day > CalendarSystem.Iso.GetDaysInMonth(year, month) ||
            hour > 23 || minute > 59 || second > 59) return false;
        local = new LocalDateTime(year, month, day, hour, minute, second);
        return true;

        static bool Digits2(ReadOnlySpan<char> t, int at, out int value)
        {
            int a = t[at] - '0', b = t[at + 1] - '0';
            value = a * 10 + b;
            return (uint)a <= 9 && (uint)b <= 9;
        }
    }

    private void Reject(List<Row> rows, string reason) =>
        _out.Add(ReplayItem.Reject(rows[0].Source, rows[0].Line, rows.Count, reason, _bytesRead));

    // ---- purchases and returns ----

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Purchase(string invoiceNo, string customer, List<Parsed> rows)
    {
        var first = rows[0].Row;
        var eventId = "ore:" + invoiceNo;
        var error = ReplayChecks.Id("event_id", eventId, limits) ?? ReplayChecks.Lines(rows.Count, limits);
        if (error is not null)
        {
            _out.Add(ReplayItem.Reject(first.Source, first.Line, rows.Count, error, _bytesRead));
            return;
        }

        var lines = new PurchaseLineInput[rows.Count];
        var order = _orderIds.Count;
        _orderIds.Add(invoiceNo);
        var n = 0;
        _bought.Clear();
        foreach (var r in rows)
        {
            lines[n++] = new PurchaseLineInput(r.Sku, "", r.Quantity, r.UnitPrice);
            _bought.Add((r.SkuNo, r.Quantity));
        }

        _holdings.AddOrder(rows[0].CustomerNo, order, CollectionsMarshal.AsSpan(_bought));

        var command = new RecordPurchase(eventId, customer, rows[0].At, invoiceNo, Channel, lines);
        _out.Add(ReplayItem.Send(first.Source, first.Line, rows.Count, command, _bytesRead));
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Returns(string invoiceNo, string customer, List<Parsed> rows)
    {
        // Per original order, in order of first allocation: its return lines (per SKU) and the rows it accounts for.
        var returns = new List<(string OrderId, List<(string Sku, int Qty)> Lines, Row First, int Rows)>();
        foreach (var r in rows)
        {
            var units = -r.Quantity;
            var available = _holdings.Available(r.CustomerNo, r.SkuNo);
            if (available < units)
            {
                _out.Add(ReplayItem.Reject(r.Row.Source, r.Row.Line, 1,
                    $"Quantity: cancels {units} unit(s) of StockCode {r.Sku} but customer {customer} has only {available} " +
                    "bought earlier in the data and not yet returned (bought before the data starts?)", _bytesRead));
                continue;
            }

            var counted = false;
            _taken.Clear();
            _holdings.Take(r.CustomerNo, r.SkuNo, units, _taken);
            foreach (var (order, take) in _taken)
            {
                var orderId = _orderIds[order];
                var at = returns.FindIndex(x => x.OrderId == orderId);
                if (at < 0)
                {
                    returns.Add((orderId, [], r.Row, 0));
                    at = returns.Count - 1;
                }

                var ret = returns[at];
                var line = ret.Lines.FindIndex(l => l.Sku == r.Sku);
                if (line < 0) ret.Lines.Add((r.Sku, take));
                else ret.Lines[line] = (r.Sku, ret.Lines[line].Qty + take);
                if (!counted)
                {
                    returns[at] = ret with { Rows = ret.Rows + 1, First = ret.Rows == 0 ? r.Row : ret.First };
                    counted = true;
                }
            }
        }

        foreach (var (orderId, lines, first, count) in returns)
        {
            var eventId = $"ore:{invoiceNo}:{orderId}";
            var command = new RecordReturn(eventId, customer, rows[0].At, orderId, Channel,
                lines.Select(l => new ReturnLineInput(l.Sku, l.Qty)).ToArray());
            _out.Add(ReplayItem.Send(first.Source, first.Line, count, command, _bytesRead));
        }
    }

    // ---- rows ----

    /// <summary>The six fields of a data row the reader needs (<see cref="Required"/>), trimmed, in a buffer of its own.</summary>
    private sealed class Row
    {
        private readonly (int Start, int Length)[] _at = new (int, int)[6];
        private char[] _chars = new char[96];

        public string Source { get; private set; } = "";
        public long Line { get; private set; }
        public ReadOnlySpan<char> InvoiceNo => Field(0);
        public ReadOnlySpan<char> StockCode => Field(1);
        public ReadOnlySpan<char> Quantity => Field(2);
        public ReadOnlySpan<char> InvoiceDate => Field(3);
        public ReadOnlySpan<char> UnitPrice => Field(4);
        public ReadOnlySpan<char> CustomerId => Field(5);

        /// <param name="columns">The indexes of the <see cref="Required"/> columns, in that order.</param>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Set(string source, long line, ReadOnlySpan<char> text, List<CsvField> fields, int[] columns)
        {
            Source = source;
            Line = line;
            var need = 0;
            foreach (var c in columns) need += fields[c].Length;
            if (need > _chars.Length) _chars = new char[Math.Max(need, _chars.Length * 2)];
            var at = 0;
            for (var i = 0; i < columns.Length; i++)
            {
                var written = fields[columns[i]].CopyTo(text, _chars.AsSpan(at));
                int start = at, end = at + written;
                while (start < end && char.IsWhiteSpace(_chars[start])) start++;
                while (end > start && char.IsWhiteSpace(_chars[end - 1])) end--;
                _at[i] = (start, end - start);
                at += written;
            }
        }

        private ReadOnlySpan<char> Field(int i) => _chars.AsSpan(_at[i].Start, _at[i].Length);
    }

    private sealed record ClosedInvoice(string Source, long Line);

    private readonly record struct Parsed(Row Row, string Customer, int CustomerNo, string Sku, int SkuNo, int Quantity, decimal UnitPrice, Instant At);

    private sealed class Invoice
    {
        public string InvoiceNo { get; private set; } = "";
        public (string Source, long Line)? ClosedEarlier { get; private set; }
        public List<Row> Rows { get; } = [];
        public long LastRowIndex { get; set; }

        /// <summary>True from <see cref="Start"/> until the invoice is handled and <see cref="End"/> returns it for reuse.</summary>
        public bool Open { get; private set; }

        public void Start(string invoiceNo, (string Source, long Line)? closedEarlier)
        {
            InvoiceNo = invoiceNo;
            ClosedEarlier = closedEarlier;
            Open = true;
        }

        public void End()
        {
            Open = false;
            Rows.Clear();
        }
    }
}
