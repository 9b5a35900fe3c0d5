using System.Text;

namespace LoyaltyActors.Ingress.Replay;

/// <summary>The outcome of parsing one CSV record.</summary>
internal enum CsvStatus
{
    Ok,

    /// <summary>The text ends inside a quoted field: the record continues on the next physical line.</summary>
    Incomplete,

    Invalid,
}

/// <summary>
/// An RFC 4180 record parser: fields separated by commas; a field may be enclosed in double quotes, and then
/// holds commas, line breaks and doubled quotes (<c>""</c> for one <c>"</c>). A quote inside an unquoted field
/// or text between a closing quote and the next comma is an error (reported, never guessed at).
/// </summary>
internal static class Csv
{
    public static CsvStatus Parse(string text, List<string> fields, out string? error)
    {
        fields.Clear();
        error = null;
        if (text.IndexOf('"') < 0)
        {
            fields.AddRange(text.Split(','));
            return CsvStatus.Ok;
        }

        var sb = new StringBuilder();
        var i = 0;
        while (true)
        {
            sb.Clear();
            if (i < text.Length && text[i] == '"')
            {
                var open = i;
                i++;
                while (true)
                {
                    if (i >= text.Length) return CsvStatus.Incomplete;
                    var c = text[i];
                    if (c == '"')
                    {
                        if (i + 1 < text.Length && text[i + 1] == '"')
                        {
                            sb.Append('"');
                            i += 2;
                            continue;
                        }

                        i++;
                        break;
                    }

                    sb.Append(c);
                    i++;
                }

                fields.Add(sb.ToString());
                if (i >= text.Length) return CsvStatus.Ok;
                if (text[i] != ',')
                {
                    error = $"field {fields.Count}: text after the closing quote of the quoted field starting at character {open + 1}";
                    return CsvStatus.Invalid;
                }

                i++;
            }
            else
            {
                var end = text.IndexOf(',', i);
                if (end < 0) end = text.Length;
                var quote = text.IndexOf('"', i, end - i);
                if (quote >= 0)
                {
                    error = $"field {fields.Count + 1}: a double quote inside an unquoted field (character {quote + 1}); quote the field and double the quote";
                    return CsvStatus.Invalid;
                }

                fields.Add(text[i..end]);
                if (end >= text.Length) return CsvStatus.Ok;
                i = end + 1;
            }
        }
    }
}
