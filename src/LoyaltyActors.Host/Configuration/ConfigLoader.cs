using Microsoft.Extensions.Configuration;

namespace LoyaltyActors.Host.Configuration;

/// <summary>Builds the configuration: the JSON file, then environment variables on top.</summary>
public static class ConfigLoader
{
    /// <summary>
    /// <paramref name="explicitFile"/> (from <c>--config</c>) must exist; otherwise
    /// <c>config/appsettings.json</c> in the working directory, else the copy next to the executable.
    /// </summary>
    public static IConfigurationRoot Load(string? explicitFile)
    {
        var builder = new ConfigurationBuilder();
        if (explicitFile is not null)
        {
            if (!File.Exists(explicitFile)) throw new ConfigurationException($"--config: file '{explicitFile}' does not exist");
            builder.AddJsonFile(Path.GetFullPath(explicitFile), optional: false);
        }
        else
        {
            var local = Path.GetFullPath(Path.Combine("config", "appsettings.json"));
            var shipped = Path.Combine(AppContext.BaseDirectory, "config", "appsettings.json");
            if (File.Exists(local)) builder.AddJsonFile(local, optional: false);
            else if (File.Exists(shipped)) builder.AddJsonFile(shipped, optional: false);
        }

        builder.AddEnvironmentVariables();
        return builder.Build();
    }

    public static LoyaltyConfig Bind(IConfiguration configuration)
    {
        var config = new LoyaltyConfig();
        try
        {
            configuration.GetSection("Loyalty").Bind(config);
        }
        catch (InvalidOperationException ex)
        {
            throw new ConfigurationException("invalid setting in the Loyalty section: " + ex.Message);
        }

        return config;
    }
}
