using Newtonsoft.Json;
using NodaTime;
using NodaTime.Text;

namespace LoyaltyActors.Actors.Cluster;

/// <summary>
/// Lets Akka's default (Newtonsoft) serializer carry NodaTime values between nodes. Without it an
/// <see cref="Instant"/> has no public properties and would cross the wire as <c>{}</c>, i.e. arrive as the Unix
/// epoch: a customer's command on another node would be decided at the wrong time. Values are written as numbers
/// or arrays (never date-like strings, which Newtonsoft's reader could turn into <see cref="DateTime"/> first),
/// exactly: ticks for instants, day numbers for dates, nanoseconds of the day for times.
/// </summary>
public sealed class NodaTimeJsonConverter : JsonConverter
{
    private static readonly Type[] Handled =
        [typeof(Instant), typeof(LocalDate), typeof(LocalDateTime), typeof(OffsetDateTime), typeof(Duration), typeof(Period)];

    public override bool CanConvert(Type objectType) =>
        Array.IndexOf(Handled, Nullable.GetUnderlyingType(objectType) ?? objectType) >= 0;

    public override void WriteJson(JsonWriter writer, object? value, JsonSerializer serializer)
    {
        switch (value)
        {
            case null:
                writer.WriteNull();
                break;
            case Instant i:
                writer.WriteValue(i.ToUnixTimeTicks());
                break;
            case LocalDate d:
                writer.WriteValue(d.ToDateOnly().DayNumber);
                break;
            case LocalDateTime t:
                writer.WriteStartArray();
                writer.WriteValue(t.Date.ToDateOnly().DayNumber);
                writer.WriteValue(t.TimeOfDay.NanosecondOfDay);
                writer.WriteEndArray();
                break;
            case OffsetDateTime o:
                writer.WriteStartArray();
                writer.WriteValue(o.Date.ToDateOnly().DayNumber);
                writer.WriteValue(o.TimeOfDay.NanosecondOfDay);
                writer.WriteValue(o.Offset.Seconds);
                writer.WriteEndArray();
                break;
            case Duration span:
                writer.WriteValue(DurationPattern.Roundtrip.Format(span));
                break;
            case Period p:
                writer.WriteValue(PeriodPattern.Roundtrip.Format(p));
                break;
            default:
                throw new JsonSerializationException($"NodaTimeJsonConverter cannot write {value.GetType()}");
        }
    }

    public override object? ReadJson(JsonReader reader, Type objectType, object? existingValue, JsonSerializer serializer)
    {
        if (reader.TokenType == JsonToken.Null) return null;
        var type = Nullable.GetUnderlyingType(objectType) ?? objectType;
        if (type == typeof(Instant)) return Instant.FromUnixTimeTicks(Convert.ToInt64(reader.Value));
        if (type == typeof(LocalDate)) return Date(Convert.ToInt32(reader.Value));
        if (type == typeof(Duration)) return DurationPattern.Roundtrip.Parse((string)reader.Value!).Value;
        if (type == typeof(Period)) return PeriodPattern.Roundtrip.Parse((string)reader.Value!).Value;

        var parts = serializer.Deserialize<long[]>(reader)
                    ?? throw new JsonSerializationException($"expected an array for {type.Name}");
        var local = Date((int)parts[0]).At(LocalTime.FromNanosecondsSinceMidnight(parts[1]));
        if (type == typeof(LocalDateTime)) return local;
        if (type == typeof(OffsetDateTime)) return local.WithOffset(Offset.FromSeconds((int)parts[2]));
        throw new JsonSerializationException($"NodaTimeJsonConverter cannot read {objectType}");
    }

    private static LocalDate Date(int dayNumber) => LocalDate.FromDateOnly(DateOnly.FromDayNumber(dayNumber));
}
