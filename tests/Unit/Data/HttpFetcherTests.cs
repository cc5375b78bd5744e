using System.Net;
using System.Net.Sockets;
using Vae.Data;
using Vae.Data.Acquisition;
using Xunit;

namespace Vae.Tests.Unit.Data;

/// <summary>The HTTP path against a server on 127.0.0.1 that serves, corrupts, or drops the connection.</summary>
public sealed class HttpFetcherTests
{
    static readonly byte[] Payload = Enumerable.Range(0, 100_000).Select(i => (byte)(i % 251)).ToArray();

    /// <summary>
    /// A one-shot HTTP/1.1 server: answers one request with a Content-Length of <paramref name="declared"/> and sends
    /// <paramref name="body"/>, then closes; with a <paramref name="gate"/>, it sends the first half of the body and waits
    /// for the gate (20 s at most, so a broken client cannot hang a test) before the rest.
    /// </summary>
    static (string Url, Task Served) Serve(byte[] body, int declared, Task? gate = null)
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var served = Task.Run(async () =>
        {
            using var client = await listener.AcceptTcpClientAsync();
            using var stream = client.GetStream();
            var buffer = new byte[4096];
            int got = 0;
            while (!System.Text.Encoding.ASCII.GetString(buffer, 0, got).Contains("\r\n\r\n"))
                got += await stream.ReadAsync(buffer.AsMemory(got)); // read the request up to the blank line
            var head = System.Text.Encoding.ASCII.GetBytes($"HTTP/1.1 200 OK\r\nContent-Length: {declared}\r\nConnection: close\r\n\r\n");
            await stream.WriteAsync(head);
            int first = gate is null ? body.Length : body.Length / 2;
            await stream.WriteAsync(body.AsMemory(0, first));
            await stream.FlushAsync();
            if (gate is not null)
            {
                try { await gate.WaitAsync(TimeSpan.FromSeconds(20)); } catch (TimeoutException) { }
                await stream.WriteAsync(body.AsMemory(first));
                await stream.FlushAsync();
            }
            client.Client.Shutdown(SocketShutdown.Both);
            listener.Stop();
        });
        return ($"http://127.0.0.1:{port}/file.bin", served);
    }

    [Fact]
    public async Task Two_downloads_into_one_data_folder_at_the_same_time_do_not_disturb_each_other()
    {
        // Each server sends half of a 4 MiB body, then waits until both clients have reported a mebibyte received (so
        // both are writing their temporary files) before sending the rest; the second server's bytes are damaged. With a
        // shared temporary file the damaged bytes land in the good download's file, or the failed one's clean-up deletes it.
        using var dir = new TempDir();
        var big = Enumerable.Range(0, 4 << 20).Select(i => (byte)(i % 249)).ToArray();
        var damaged = big.Select(b => (byte)(b ^ 0x5a)).ToArray();
        var bothWriting = new TaskCompletionSource();
        int writing = 0;
        IProgress<DownloadProgress> Watch() { bool seen = false; return new Progress<DownloadProgress>(p => { if (!seen && p.Received >= 1 << 20) { seen = true; if (Interlocked.Increment(ref writing) == 2) bothWriting.TrySetResult(); } }); }
        var (goodUrl, goodServed) = Serve(big, big.Length, bothWriting.Task);
        var (badUrl, badServed) = Serve(damaged, damaged.Length, bothWriting.Task);
        void AcceptBig(string path)
        {
            if (!File.ReadAllBytes(path).SequenceEqual(big)) throw new DatasetException(DatasetErrorKind.Checksum, path, "checksum mismatch", "try again");
        }
        string destination = dir.File("file.bin");
        var good = HttpFetcher.DownloadAsync(goodUrl, destination, AcceptBig, TimeSpan.FromSeconds(30), Watch());
        var bad = HttpFetcher.DownloadAsync(badUrl, destination, AcceptBig, TimeSpan.FromSeconds(30), Watch());
        await Assert.ThrowsAsync<DatasetException>(() => bad.WaitAsync(TimeSpan.FromSeconds(60)));
        await good.WaitAsync(TimeSpan.FromSeconds(60));
        await Task.WhenAll(goodServed, badServed).WaitAsync(TimeSpan.FromSeconds(60));
        Assert.True(big.SequenceEqual(File.ReadAllBytes(destination)), "the good download's file is not the good bytes");
        Assert.Empty(Directory.GetFiles(dir.Path, "*.part"));
    }

    static void AcceptIfComplete(string path)
    {
        if (!File.ReadAllBytes(path).SequenceEqual(Payload))
            throw new DatasetException(DatasetErrorKind.Checksum, path, "checksum mismatch", "try again");
    }

    [Fact]
    public async Task A_served_file_lands_at_the_destination_after_verification()
    {
        using var dir = new TempDir();
        var (url, served) = Serve(Payload, Payload.Length);
        await HttpFetcher.DownloadAsync(url, dir.File("file.bin"), AcceptIfComplete, TimeSpan.FromSeconds(20));
        await served;
        Assert.Equal(Payload, File.ReadAllBytes(dir.File("file.bin")));
        Assert.Empty(Directory.GetFiles(dir.Path, "*.part"));
    }

    [Fact]
    public async Task A_corrupted_file_fails_verification_and_leaves_nothing_behind()
    {
        using var dir = new TempDir();
        var corrupted = (byte[])Payload.Clone();
        corrupted[500] ^= 0xff;
        var (url, served) = Serve(corrupted, corrupted.Length);
        var e = await Assert.ThrowsAsync<DatasetException>(() => HttpFetcher.DownloadAsync(url, dir.File("file.bin"), AcceptIfComplete, TimeSpan.FromSeconds(20)));
        await served;
        Assert.Equal(DatasetErrorKind.Checksum, e.Kind);
        Assert.Empty(Directory.GetFiles(dir.Path));
    }

    [Fact]
    public async Task A_connection_dropped_mid_file_is_an_error_and_leaves_nothing_behind()
    {
        using var dir = new TempDir();
        var (url, served) = Serve(Payload[..40_000], Payload.Length);
        var e = await Assert.ThrowsAsync<DatasetException>(() => HttpFetcher.DownloadAsync(url, dir.File("file.bin"), AcceptIfComplete, TimeSpan.FromSeconds(20)));
        await served;
        Assert.Contains("file.bin", e.Message);
        Assert.Empty(Directory.GetFiles(dir.Path));
    }

    [Fact]
    public async Task An_unreachable_server_is_a_one_line_acquisition_error()
    {
        using var dir = new TempDir();
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop(); // nothing listens there now
        var e = await Assert.ThrowsAsync<DatasetException>(() => HttpFetcher.DownloadAsync($"http://127.0.0.1:{port}/x", dir.File("x"), _ => { }, TimeSpan.FromSeconds(5)));
        Assert.Equal(DatasetErrorKind.Acquisition, e.Kind);
        Assert.DoesNotContain("\n", e.Message);
    }
}
