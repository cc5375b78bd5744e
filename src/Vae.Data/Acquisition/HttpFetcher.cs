namespace Vae.Data.Acquisition;

/// <summary>Progress of a download: bytes received and the total, when the server said it.</summary>
/// <param name="Url">What is being downloaded.</param>
/// <param name="Received">Bytes received so far.</param>
/// <param name="Total">Content length, or null when unknown.</param>
internal sealed record DownloadProgress(string Url, long Received, long? Total);

/// <summary>
/// Downloads a file over HTTP(S) into a temporary file beside the destination, verifies it,
/// then renames it into place. A failed, interrupted or unverified download leaves no destination file.
/// </summary>
internal static class HttpFetcher
{
    /// <summary>Downloads <paramref name="url"/> to <paramref name="destination"/>.</summary>
    /// <param name="url">The address.</param>
    /// <param name="destination">The final path; written only after <paramref name="verify"/> accepts the temporary file.</param>
    /// <param name="verify">Checks the downloaded temporary file; throws <see cref="DatasetException"/> when it is wrong.</param>
    /// <param name="timeout">Limit for the whole download.</param>
    /// <param name="progress">Receives progress, at most every 1 MiB.</param>
    /// <param name="cancellationToken">Cancels the download.</param>
    /// <exception cref="DatasetException">Network error, HTTP error, short body, timeout, or verification failure.</exception>
    public static async Task DownloadAsync(string url, string destination, Action<string> verify, TimeSpan timeout,
        IProgress<DownloadProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(destination))!);
        // A name of this download's own: two processes fetching into one data folder never share (or delete) a file;
        // the verified file is renamed into place atomically, so the last of them replaces the same bytes.
        string temp = $"{destination}.{Environment.ProcessId}.{Guid.NewGuid():N}.part";
        try
        {
            using var http = new HttpClient { Timeout = timeout };
            using var response = await http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
                throw new DatasetException(DatasetErrorKind.Acquisition, url, $"HTTP {(int)response.StatusCode} {response.ReasonPhrase}", "check the address or download the file by hand");
            long? total = response.Content.Headers.ContentLength;
            long received = 0, reported = 0;
            await using (var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false))
            await using (var file = File.Create(temp))
            {
                var buffer = new byte[1 << 16];
                int n;
                while ((n = await body.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
                {
                    await file.WriteAsync(buffer.AsMemory(0, n), cancellationToken).ConfigureAwait(false);
                    received += n;
                    if (received - reported >= 1 << 20) { progress?.Report(new DownloadProgress(url, received, total)); reported = received; }
                }
            }
            progress?.Report(new DownloadProgress(url, received, total));
            if (total is long t && received != t)
                throw new DatasetException(DatasetErrorKind.Truncated, url, $"connection closed after {received} of {t} bytes", "try again later");
            verify(temp);
            File.Move(temp, destination, overwrite: true);
        }
        catch (HttpRequestException e)
        {
            throw new DatasetException(DatasetErrorKind.Acquisition, url, $"download failed: {e.Message}", "check the network, or fetch the file by hand", e);
        }
        catch (IOException e)
        {
            throw new DatasetException(DatasetErrorKind.Truncated, url, $"download interrupted: {e.Message}", "try again later", e);
        }
        catch (TaskCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new DatasetException(DatasetErrorKind.Acquisition, url, $"timed out after {timeout.TotalSeconds:0} s", "try again later, or fetch the file by hand", e);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }
}
