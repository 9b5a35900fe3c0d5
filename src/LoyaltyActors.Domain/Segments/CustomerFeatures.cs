namespace LoyaltyActors.Domain.Segments;

/// <summary>
/// Raw features of one customer as the segment model clusters them: days since the last purchase (as of the
/// model's reference instant, which the owner of the model chooses), number of orders, net spend in the
/// deployment currency and number of distinct categories bought.
/// </summary>
/// <remarks>
/// Each value must be finite. Negative values (a last purchase after the reference instant, net spend below
/// zero after returns) are clamped to 0, and values above 10¹⁵ to 10¹⁵, before the log1p transform.
/// </remarks>
public readonly record struct CustomerFeatures(double RecencyDays, double Frequency, double Monetary, double Variety);
