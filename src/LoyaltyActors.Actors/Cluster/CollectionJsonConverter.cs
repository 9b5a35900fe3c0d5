using System.Collections;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

namespace LoyaltyActors.Actors.Cluster;

/// <summary>
/// Lets Akka's default (Newtonsoft) serializer carry the read-only lists our messages are made of. A C# collection
/// expression assigned to <see cref="IReadOnlyList{T}"/> (<c>[a, b]</c>) compiles to a synthesized type
/// (<c>&lt;&gt;z__ReadOnlyArray</c>) that Newtonsoft writes with its type name and then cannot construct. Such values
/// are written as plain arrays, and members declared as a read-only collection interface are read back as a
/// <see cref="List{T}"/> (from a plain array, or from the <c>$values</c> of a typed one).
/// </summary>
public sealed class CollectionJsonConverter : JsonConverter
{
    private static readonly Type[] Interfaces =
        [typeof(IReadOnlyList<>), typeof(IReadOnlyCollection<>), typeof(IEnumerable<>), typeof(IList<>), typeof(ICollection<>)];

    public override bool CanConvert(Type objectType) => IsSynthesized(objectType) || IsCollectionInterface(objectType);

    // Synthesized collection types are named "<>z__…" by the compiler; nothing else may start with "<>".
    private static bool IsSynthesized(Type t) => t.Name.StartsWith("<>z__", StringComparison.Ordinal) && typeof(IEnumerable).IsAssignableFrom(t);

    private static bool IsCollectionInterface(Type t) =>
        t.IsInterface && t.IsGenericType && Array.IndexOf(Interfaces, t.GetGenericTypeDefinition()) >= 0;

    public override void WriteJson(JsonWriter writer, object? value, JsonSerializer serializer)
    {
        if (value is null)
        {
            writer.WriteNull();
            return;
        }

        writer.WriteStartArray();
        foreach (var item in (IEnumerable)value) serializer.Serialize(writer, item);
        writer.WriteEndArray();
    }

    public override object? ReadJson(JsonReader reader, Type objectType, object? existingValue, JsonSerializer serializer)
    {
        if (reader.TokenType == JsonToken.Null) return null;
        var element = ElementType(objectType)
                      ?? throw new JsonSerializationException($"CollectionJsonConverter cannot read {objectType}");
        var token = JToken.Load(reader);
        if (token is JObject typed) token = typed["$values"] ?? throw new JsonSerializationException($"expected an array for {objectType}");
        return token.ToObject(typeof(List<>).MakeGenericType(element), serializer);
    }

    private static Type? ElementType(Type t)
    {
        if (t.IsInterface && t.IsGenericType) return t.GetGenericArguments()[0];
        return t.GetInterfaces().FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IEnumerable<>))?.GetGenericArguments()[0];
    }
}
