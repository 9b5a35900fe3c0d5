namespace LoyaltyActors.Ingress.Replay;

/// <summary>The input layouts <c>loyalty replay --format</c> understands (CONTRACT.md, "Replay formats").</summary>
public enum ReplayFormat
{
    /// <summary><c>ndjson</c>: one wire-format v1 event per line.</summary>
    Ndjson,

    /// <summary><c>cdnow</c>: <c>CDNOW_master.txt</c> — <c>customer yyyymmdd cds dollars</c>, whitespace-separated, a header line.</summary>
    Cdnow,

    /// <summary><c>cdnow-sample</c>: <c>CDNOW_sample.txt</c> — <c>master_id sample_id yyyymmdd cds dollars</c>, no header; the customer is the sample id.</summary>
    CdnowSample,

    /// <summary><c>online-retail</c>: the UCI Online Retail CSV layout, one file or one file per day.</summary>
    OnlineRetail,

    /// <summary><c>baskets</c>: one basket per line, items comma-separated (Groceries).</summary>
    Baskets,
}

/// <summary>The command-line names of <see cref="ReplayFormat"/>.</summary>
public static class ReplayFormats
{
    private static readonly (string Name, ReplayFormat Format)[] Names =
    [
        ("ndjson", ReplayFormat.Ndjson),
        ("cdnow", ReplayFormat.Cdnow),
        ("cdnow-sample", ReplayFormat.CdnowSample),
        ("online-retail", ReplayFormat.OnlineRetail),
        ("baskets", ReplayFormat.Baskets),
    ];

    /// <summary>The valid names, in the order the CLI documents them.</summary>
    public static IReadOnlyList<string> ValidNames { get; } = Names.Select(n => n.Name).ToArray();

    /// <summary>The format named <paramref name="name"/> (case-insensitive, surrounding whitespace ignored).</summary>
    /// <exception cref="ArgumentException">The name is not one of <see cref="ValidNames"/>; the message lists them.</exception>
    public static ReplayFormat Parse(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var trimmed = name.Trim();
        foreach (var (n, f) in Names)
        {
            if (string.Equals(n, trimmed, StringComparison.OrdinalIgnoreCase)) return f;
        }

        throw new ArgumentException(
            $"unknown replay format '{name}'; expected one of {string.Join(", ", ValidNames)}", nameof(name));
    }

    /// <summary>The command-line name of <paramref name="format"/>, e.g. <c>cdnow-sample</c>.</summary>
    public static string Name(this ReplayFormat format)
    {
        foreach (var (n, f) in Names)
        {
            if (f == format) return n;
        }

        throw new ArgumentOutOfRangeException(nameof(format), format, "unknown replay format");
    }
}
