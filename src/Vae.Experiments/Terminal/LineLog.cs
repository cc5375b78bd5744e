namespace Vae.Experiments.Terminal;

/// <summary>A synchronous <see cref="IProgress{T}"/> that forwards each line as it comes (<see cref="Progress{T}"/> would post it to a thread pool, out of order).</summary>
internal sealed class LineLog(Action<string> write) : IProgress<string>
{
    public void Report(string value) => write(value);
}
