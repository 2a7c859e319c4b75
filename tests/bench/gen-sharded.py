#!/usr/bin/python3
"""Write a sharded LLaMA-70B-like checkpoint of sparse files (nothing of the
data is written: the shards read as zeros and take no disk space), and its
model.safetensors.index.json, for paramscope-bench weights.

  gen-sharded.py OUT-DIR [--shards 30] [--layers 80] [--hidden 8192] [--ffn 28672]
                 [--kv 1024] [--vocab 32000]

BF16 throughout: embed_tokens, 80 layers of q/k/v/o_proj, gate/up/down_proj,
two norms, the final norm and lm_head (about 69e9 parameters, 138 GB).
"""
import argparse
import json
import os
import struct

ap = argparse.ArgumentParser()
ap.add_argument("out")
ap.add_argument("--shards", type=int, default=30)
ap.add_argument("--layers", type=int, default=80)
ap.add_argument("--hidden", type=int, default=8192)
ap.add_argument("--ffn", type=int, default=28672)
ap.add_argument("--kv", type=int, default=1024)
ap.add_argument("--vocab", type=int, default=32000)
a = ap.parse_args()
h, f, kv = a.hidden, a.ffn, a.kv
tensors = [("model.embed_tokens.weight", [a.vocab, h])]
for i in range(a.layers):
    p = f"model.layers.{i}."
    tensors += [(p + "self_attn.q_proj.weight", [h, h]), (p + "self_attn.k_proj.weight", [kv, h]),
                (p + "self_attn.v_proj.weight", [kv, h]), (p + "self_attn.o_proj.weight", [h, h]),
                (p + "mlp.gate_proj.weight", [f, h]), (p + "mlp.up_proj.weight", [f, h]),
                (p + "mlp.down_proj.weight", [h, f]), (p + "input_layernorm.weight", [h]),
                (p + "post_attention_layernorm.weight", [h])]
tensors += [("model.norm.weight", [h]), ("lm_head.weight", [a.vocab, h])]
nbytes = lambda shape: 2 * eval("*".join(map(str, shape)) or "1")
total = sum(nbytes(s) for _, s in tensors)
per = total / a.shards
os.makedirs(a.out, exist_ok=True)
groups, cur, size = [], [], 0
for t in tensors:
    cur.append(t)
    size += nbytes(t[1])
    if size >= per * (len(groups) + 1) and len(groups) < a.shards - 1:
        groups.append(cur)
        cur = []
if cur:
    groups.append(cur)
weight_map = {}
for k, g in enumerate(groups):
    name = f"model-{k + 1:05d}-of-{len(groups):05d}.safetensors"
    header, off = {}, 0
    for n, shape in g:
        header[n] = {"dtype": "BF16", "shape": shape, "data_offsets": [off, off + nbytes(shape)]}
        off += nbytes(shape)
        weight_map[n] = name
    hj = json.dumps(header).encode()
    hj += b" " * ((8 - len(hj) % 8) % 8)
    with open(os.path.join(a.out, name), "wb") as fh:
        fh.write(struct.pack("<Q", len(hj)) + hj)
        fh.truncate(8 + len(hj) + off)            # sparse: no data written
with open(os.path.join(a.out, "model.safetensors.index.json"), "w") as fh:
    json.dump({"metadata": {"total_size": total}, "weight_map": weight_map}, fh, indent=2)
print(f"{len(groups)} shards, {len(tensors)} tensors, {total / 2:.3g} parameters, {total / 1e9:.1f} GB (sparse)")
