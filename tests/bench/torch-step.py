#!/usr/bin/python3
"""PyTorch's training step, measured the way `paramscope-cli bench` measures ours.

    torch-step.py MODEL --batch B --shape C,H,W [--classes K] [--steps N] [--threads 1,2]

MODEL is a model file (Python defining `net`) or torchvision:NAME (built with
num_classes=K).  One step is zero_grad, forward, F.cross_entropy with class
indices, backward and SGD(lr=0.01), on a fixed random batch.  Each thread
setting is timed (median of N steps after 3 warm-up steps) and the best is
reported last: "pytorch     12.345 ms per step (median of 20, 2 threads)".
Each setting's line also gives the median CPU time of the process's threads
in a step: on a loaded machine, the step's work without the time it waited.
"""
import argparse
import runpy
import time

import torch
import torch.nn.functional as F


def build(model, classes):
    if model.startswith("torchvision:"):
        import torchvision
        return getattr(torchvision.models, model.split(":", 1)[1])(num_classes=classes)
    return runpy.run_path(model)["net"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model")
    ap.add_argument("--batch", type=int, required=True)
    ap.add_argument("--shape", required=True)
    ap.add_argument("--classes", type=int, default=10)
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--threads", default="1,2")
    a = ap.parse_args()
    torch.manual_seed(0)
    net = build(a.model, a.classes)
    net.train()
    shape = [a.batch] + [int(s) for s in a.shape.split(",")]
    x = torch.rand(shape)
    y = torch.randint(0, a.classes, (a.batch,))
    opt = torch.optim.SGD(net.parameters(), lr=0.01)
    best = None
    for th in [int(t) for t in a.threads.split(",")]:
        torch.set_num_threads(th)
        times, cpu = [], []
        for i in range(a.steps + 3):
            t0, c0 = time.perf_counter(), time.process_time()
            opt.zero_grad()
            F.cross_entropy(net(x), y).backward()
            opt.step()
            if i >= 3:
                times.append(time.perf_counter() - t0)
                cpu.append(time.process_time() - c0)
        times.sort()
        cpu.sort()
        med = times[len(times) // 2] * 1e3
        print(f"pytorch     {med:.3f} ms per step (median of {a.steps}, {th} thread{'s' if th > 1 else ''};"
              f" CPU time of all threads {cpu[len(cpu) // 2] * 1e3:.3f} ms)")
        if best is None or med < best[0]:
            best = (med, th)
    print(f"pytorch     best {best[0]:.3f} ms ({best[1]} thread{'s' if best[1] > 1 else ''})")


if __name__ == "__main__":
    main()
