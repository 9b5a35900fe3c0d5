using Akka.Actor;
using Akka.Serialization;
using LoyaltyActors.Domain.Customers;

namespace LoyaltyActors.Actors.Serialization;

/// <summary>
/// The serializer of every persisted event and snapshot. Manifests are short and stable
/// (see <see cref="BinaryCodec"/>), never CLR type names, so types can be renamed or moved freely.
/// </summary>
public sealed class LoyaltySerializer(ExtendedActorSystem system) : SerializerWithStringManifest(system)
{
    public const int SerializerId = 4171;

    /// <summary>The types bound to this serializer in configuration.</summary>
    public static readonly Type[] BoundTypes = [typeof(CustomerEvent), typeof(CustomerState)];

    public override int Identifier => SerializerId;

    public override string Manifest(object o) => BinaryCodec.ManifestOf(o);

    public override byte[] ToBinary(object obj) => BinaryCodec.Write(obj);

    public override object FromBinary(byte[] bytes, string manifest) => BinaryCodec.Read(bytes, manifest);
}
