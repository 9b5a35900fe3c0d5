using System.Globalization;
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

    private static readonly LocalDateTimePattern[] DatePatterns =
    [
        LocalDateTimePattern.CreateWithInvariantCulture("uuuu-MM-dd HH:mm:ss"),
        LocalDateTimePattern.CreateWithInvariantCulture("uuuu-MM-dd HH:mm"),
        LocalDateTimePattern.CreateWithInvariantCulture("M/d/uuuu H:mm"),
        LocalDateTimePattern.CreateWithInvariantCulture("M/d/uuuu H:mm:ss"),
    ];

    private static readonly DateTimeZone London = DateTimeZoneProviders.Tzdb["Europe/London"];

    private readonly Queue<Invoice> _queue = new();
    private readonly Dictionary<string, Invoice> _open = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (string Source, long Line)> _closed = new(StringComparer.Ordinal);

    /// <summary>Per customer, per StockCode: the customer's orders holding it, oldest first, with units not yet returned.</summary>
    private readonly Dictionary<string, Dictionary<string, List<Holding>>> _holdings = new(StringComparer.Ordinal);

    private readonly List<ReplayItem> _out = [];
    private long _rowIndex;
    private string? _lastDateText;
    private Instant? _lastDate;
    private long _bytesRead;

    public IEnumerable<ReplayItem> Read()
    {
        var fields = new List<string>();
        foreach (var cursor in ReplayInput.Cursors(files))
        {
            int[]? columns = null;
            var headerCount = 0;
            string? headerError = null;
            (string? Source, long Line, int Rows) badFile = default;
            while (NextRecord(cursor, fields, out var line, out var csvError))
            {
                _bytesRead = cursor.BytesRead;
                if (columns is null && headerError is null)
                {
                    headerError = ReadHeader(fields, csvError, out columns);
                    headerCount = fields.Count;
                    continue;
                }

                if (headerError is not null)
                {
                    badFile = badFile.Rows == 0 ? (cursor.Name, line, 1) : badFile with { Rows = badFile.Rows + 1 };
                    continue;
                }

                _rowIndex++;
                if (csvError is not null)
                    _out.Add(ReplayItem.Reject(cursor.Name, line, 1, csvError, _bytesRead));
                else if (fields.Count != headerCount)
                    _out.Add(ReplayItem.Reject(cursor.Name, line, 1, $"has {fields.Count} fields; the header has {headerCount}", _bytesRead));
                else
                    Add(new Row(cursor.Name, line, fields, columns!));

                FlushStale();
                foreach (var item in _out) yield return item;
                _out.Clear();
            }

            _bytesRead = cursor.BytesRead;
            if (badFile.Rows > 0)
                yield return ReplayItem.Reject(badFile.Source!, badFile.Line, badFile.Rows,
                    $"the file's first line is not an online-retail header ({headerError}); none of its rows was read", _bytesRead);
        }

        while (_queue.Count > 0) Close(_queue.Dequeue());
        foreach (var item in _out) yield return item;
        _out.Clear();
    }

    private static string? ReadHeader(List<string> fields, string? csvError, out int[]? columns)
    {
        columns = null;
        if (csvError is not null) return csvError;
        var map = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < fields.Count; i++) map.TryAdd(fields[i].Trim(), i);
        var missing = Required.Where(r => !map.ContainsKey(r)).ToArray();
        if (missing.Length > 0) return $"missing column{(missing.Length > 1 ? "s" : "")} {string.Join(", ", missing)}";
        columns = Array.ConvertAll(Required, r => map[r]);
        return null;
    }

    /// <summary>The next non-blank CSV record, joining physical lines while a quoted field is open.</summary>
    private static bool NextRecord(LineCursor cursor, List<string> fields, out long line, out string? error)
    {
        error = null;
        line = 0;
        string? text;
        do
        {
            if (!cursor.TryReadLine(out text)) return false;
        } while (string.IsNullOrWhiteSpace(text));

        line = cursor.LineNumber;
        while (true)
        {
            var status = Csv.Parse(text, fields, out error);
            if (status != CsvStatus.Incomplete) return true;
            if (text.Length > MaxRecordChars || !cursor.TryReadLine(out var more))
            {
                error = "a quoted field is not closed";
                fields.Clear();
                return true;
            }

            text = text + "\n" + more;
        }
    }

    // ---- grouping ----

    private void Add(Row row)
    {
        if (!_open.TryGetValue(row.InvoiceNo, out var invoice))
        {
            invoice = new Invoice(row.InvoiceNo, _closed.TryGetValue(row.InvoiceNo, out var earlier) ? earlier : null);
            _open[row.InvoiceNo] = invoice;
            _queue.Enqueue(invoice);
        }

        invoice.Rows.Add(row);
        invoice.LastRowIndex = _rowIndex;
    }

    private void FlushStale()
    {
        while (_queue.Count > 0 && _rowIndex - _queue.Peek().LastRowIndex >= Lookahead) Close(_queue.Dequeue());
    }

    private void Close(Invoice invoice)
    {
        _open.Remove(invoice.InvoiceNo);
        _closed.TryAdd(invoice.InvoiceNo, (invoice.Rows[0].Source, invoice.Rows[0].Line));
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
        var noCustomer = new List<Row>();
        var valid = new List<Parsed>();
        string? customer = null;
        foreach (var row in invoice.Rows)
        {
            var c = row.CustomerId;
            if (c.Length == 0)
            {
                noCustomer.Add(row);
                continue;
            }

            var error = Parse(row, c, out var parsed);
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

    private string? Parse(Row row, string customerText, out Parsed parsed)
    {
        parsed = default;
        var customer = NormalizeCustomer(customerText);
        if (customer is null) return $"CustomerID: {ReplayChecks.Quote(customerText)} is not a whole number";
        if (ReplayChecks.Id("CustomerID", customer, limits) is { } customerError) return customerError;
        var sku = row.StockCode;
        if (ReplayChecks.Id("StockCode", sku, limits) is { } skuError) return skuError;
        var qtyText = row.Quantity;
        if (!int.TryParse(qtyText, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var qty))
            return $"Quantity: {ReplayChecks.Quote(qtyText)} is not a whole number";
        var priceText = row.UnitPrice;
        if (!decimal.TryParse(priceText, NumberStyles.Float, CultureInfo.InvariantCulture, out var price))
            return $"UnitPrice: {ReplayChecks.Quote(priceText)} is not a number";
        var dateText = row.InvoiceDate;
        if (CachedDate(dateText) is not { } at)
            return $"InvoiceDate: {ReplayChecks.Quote(dateText)} is not a date and time yyyy-MM-dd HH:mm:ss";
        parsed = new Parsed(row, customer, sku, qty, price, at);
        return null;
    }

    /// <summary><c>17850.0</c> → <c>17850</c>; digits with an all-zero fraction, else null.</summary>
    internal static string? NormalizeCustomer(string text)
    {
        var dot = text.IndexOf('.');
        var whole = dot < 0 ? text : text[..dot];
        if (whole.Length == 0 || !whole.All(char.IsAsciiDigit)) return null;
        if (dot >= 0 && !text.AsSpan(dot + 1).TrimStart('0').IsEmpty) return null;
        return whole;
    }

    private Instant? CachedDate(string text)
    {
        // The rows of an invoice share their InvoiceDate: parse each distinct text once in a row.
        if (!string.Equals(text, _lastDateText, StringComparison.Ordinal))
        {
            _lastDateText = text;
            _lastDate = ParseDate(text);
        }

        return _lastDate;
    }

    internal static Instant? ParseDate(string text)
    {
        foreach (var pattern in DatePatterns)
        {
            var result = pattern.Parse(text);
            if (result.Success) return London.ResolveLocal(result.Value, Resolvers.LenientResolver).ToInstant();
        }

        return null;
    }

    private void Reject(List<Row> rows, string reason) =>
        _out.Add(ReplayItem.Reject(rows[0].Source, rows[0].Line, rows.Count, reason, _bytesRead));

    // ---- purchases and returns ----

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

        var lines = new List<PurchaseLineInput>(rows.Count);
        if (!_holdings.TryGetValue(customer, out var bySku)) _holdings[customer] = bySku = new(StringComparer.Ordinal);
        foreach (var r in rows)
        {
            lines.Add(new PurchaseLineInput(r.Sku, "", r.Quantity, r.UnitPrice));
            if (!bySku.TryGetValue(r.Sku, out var orders)) bySku[r.Sku] = orders = [];
            if (orders.Count > 0 && string.Equals(orders[^1].OrderId, invoiceNo, StringComparison.Ordinal)) orders[^1].Remaining += r.Quantity;
            else orders.Add(new Holding(invoiceNo, r.Quantity));
        }

        var command = new RecordPurchase(eventId, customer, rows[0].At, invoiceNo, Channel, lines);
        _out.Add(ReplayItem.Send(first.Source, first.Line, rows.Count, command, _bytesRead));
    }

    private void Returns(string invoiceNo, string customer, List<Parsed> rows)
    {
        // Per original order, in order of first allocation: its return lines (per SKU) and the rows it accounts for.
        var returns = new List<(string OrderId, List<(string Sku, int Qty)> Lines, Row First, int Rows)>();
        var bySku = _holdings.GetValueOrDefault(customer);
        foreach (var r in rows)
        {
            var units = -r.Quantity;
            var orders = bySku?.GetValueOrDefault(r.Sku);
            long available = 0;
            if (orders is not null) foreach (var h in orders) available += h.Remaining;
            if (available < units)
            {
                _out.Add(ReplayItem.Reject(r.Row.Source, r.Row.Line, 1,
                    $"Quantity: cancels {units} unit(s) of StockCode {r.Sku} but customer {customer} has only {available} " +
                    "bought earlier in the data and not yet returned (bought before the data starts?)", _bytesRead));
                continue;
            }

            var counted = false;
            for (var i = orders!.Count - 1; i >= 0 && units > 0; i--)
            {
                var h = orders[i];
                var take = Math.Min(units, h.Remaining);
                if (take == 0) continue;
                h.Remaining -= take;
                units -= take;
                var at = returns.FindIndex(x => x.OrderId == h.OrderId);
                if (at < 0)
                {
                    returns.Add((h.OrderId, [], r.Row, 0));
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

            orders.RemoveAll(h => h.Remaining == 0);
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

    private sealed class Row
    {
        /// <param name="columns">The indexes of the <see cref="Required"/> columns, in that order.</param>
        public Row(string source, long line, List<string> fields, int[] columns)
        {
            Source = source;
            Line = line;
            InvoiceNo = fields[columns[0]].Trim();
            StockCode = fields[columns[1]].Trim();
            Quantity = fields[columns[2]].Trim();
            InvoiceDate = fields[columns[3]].Trim();
            UnitPrice = fields[columns[4]].Trim();
            CustomerId = fields[columns[5]].Trim();
        }

        public string Source { get; }
        public long Line { get; }
        public string InvoiceNo { get; }
        public string StockCode { get; }
        public string Quantity { get; }
        public string InvoiceDate { get; }
        public string UnitPrice { get; }
        public string CustomerId { get; }
    }

    private readonly record struct Parsed(Row Row, string Customer, string Sku, int Quantity, decimal UnitPrice, Instant At);

    private sealed class Invoice(string invoiceNo, (string Source, long Line)? closedEarlier)
    {
        public string InvoiceNo { get; } = invoiceNo;
        public (string Source, long Line)? ClosedEarlier { get; } = closedEarlier;
        public List<Row> Rows { get; } = [];
        public long LastRowIndex { get; set; }
    }

    private sealed class Holding(string orderId, int remaining)
    {
        public string OrderId { get; } = orderId;
        public int Remaining { get; set; } = remaining;
    }
}
