#!/usr/bin/env python3
"""PyTorch peer for `vae bench --peer`: the same convolutional VAEs, batch, loss, optimizer and
thread count as Vae.Core, timed the same way (warm-up, then the median over repeats of the mean
step time). Prints one JSON object. Needs torch (here: Debian's python3-torch, run as /usr/bin/python3).

With --device cuda the model and the pool of images live on the GPU, each timed region starts and ends with
torch.cuda.synchronize(), and the step times of Adam's fused CUDA kernel (fused=True) are reported too."""
import argparse
import json
import statistics
import time

import torch
from torch import nn
import torch.nn.functional as F


class ConvVae(nn.Module):
    """Mirror of Vae.Core's ConvEncoder/ConvDecoder: stride-2 4x4 convolutions, one hidden layer, mirrored decoder."""

    def __init__(self, channels, side, conv, hidden, latent):
        super().__init__()
        self.convs = nn.ModuleList()
        c = channels
        for out in conv:
            self.convs.append(nn.Conv2d(c, out, 4, 2, 1))
            c = out
        s = side // (2 ** len(conv))
        self.start = (conv[-1], s, s)
        flat = conv[-1] * s * s
        self.hidden = nn.Linear(flat, hidden)
        self.mu = nn.Linear(hidden, latent)
        self.logvar = nn.Linear(hidden, latent)
        self.dec_hidden = nn.Linear(latent, hidden)
        self.project = nn.Linear(hidden, flat)
        self.deconvs = nn.ModuleList()
        for i in range(len(conv) - 1, -1, -1):
            self.deconvs.append(nn.ConvTranspose2d(conv[i], channels if i == 0 else conv[i - 1], 4, 2, 1))

    def forward(self, x):
        h = x
        for conv in self.convs:
            h = F.relu(conv(h))
        h = F.relu(self.hidden(h.flatten(1)))
        mu, logvar = self.mu(h), self.logvar(h)
        z = mu + torch.exp(0.5 * logvar) * torch.randn_like(mu)
        h = F.relu(self.project(F.relu(self.dec_hidden(z)))).view(-1, *self.start)
        for i, deconv in enumerate(self.deconvs):
            h = deconv(h)
            if i < len(self.deconvs) - 1:
                h = F.relu(h)
        return h, mu, logvar


MODELS = {
    "mnist-z2": dict(channels=1, side=28, conv=[32, 64], hidden=256, latent=2),
    "svhn-z200": dict(channels=3, side=32, conv=[32, 64, 128], hidden=1024, latent=200),
}


def step(model, optimizer, x):
    logits, mu, logvar = model(x)
    recon = F.binary_cross_entropy_with_logits(logits, x, reduction="none").flatten(1).sum(1)
    kl = -0.5 * (1 + logvar - mu.square() - logvar.exp()).sum(1)
    loss = (recon + kl).mean()
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    return loss.item()


def sync(device):
    if device.type == "cuda":
        torch.cuda.synchronize()


def measure(name, steps, repeats, batch, device, fused=False):
    cfg = MODELS[name]
    torch.manual_seed(1)
    model = ConvVae(**cfg).to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, **({"fused": True} if fused else {}))
    pool = torch.rand(4096, cfg["channels"], cfg["side"], cfg["side"]).to(device)
    for _ in range(3):
        step(model, optimizer, pool[torch.randperm(4096)[:batch].to(device)])
    times = []
    for _ in range(repeats):
        sync(device)
        start = time.perf_counter()
        for _ in range(steps):
            step(model, optimizer, pool[torch.randperm(4096)[:batch].to(device)])
        sync(device)
        times.append((time.perf_counter() - start) / steps)
    return statistics.median(times) * 1000


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--threads", type=int, required=True)
    parser.add_argument("--models", nargs="+", default=list(MODELS))
    parser.add_argument("--steps", type=int, default=3)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--batch", type=int, default=128)
    parser.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    if device.type == "cuda" and not torch.cuda.is_available():
        parser.error("--device cuda: CUDA is not available to this PyTorch")
    n = 2048
    a, b = torch.randn(n, n, device=device), torch.randn(n, n, device=device)
    a @ b
    gemm = []
    for _ in range(3):
        sync(device)
        start = time.perf_counter()
        a @ b
        sync(device)
        gemm.append(time.perf_counter() - start)
    result = {
        "torch": torch.__version__,
        "device": str(device) + (f" ({torch.cuda.get_device_name(0)})" if device.type == "cuda" else ""),
        "threads": torch.get_num_threads(),
        "gemmGflops": 2 * n ** 3 / statistics.median(gemm) / 1e9,
        "msPerStep": {m: measure(m, args.steps, args.repeats, args.batch, device) for m in args.models},
    }
    if device.type == "cuda":
        result["msPerStepFused"] = {m: measure(m, args.steps, args.repeats, args.batch, device, fused=True) for m in args.models}
    print(json.dumps(result))


if __name__ == "__main__":
    main()
