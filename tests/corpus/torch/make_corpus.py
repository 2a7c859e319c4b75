#!/usr/bin/python3
"""Hostile and foreign files for the weights door (ps-weights.c), with the
message each must get (expected.tsv: file <TAB> substring of the error).
Plain Python (no PyTorch): pickles are written opcode by opcode, ZIPs with
zipfile or by hand.  Run from anywhere; writes beside itself.

  tests/corpus/torch/make_corpus.py
"""
import io
import os
import struct
import zipfile

here = os.path.dirname(os.path.abspath(__file__))
os.chdir(here)
expected = []


def info(name, method=zipfile.ZIP_STORED):
    """An entry with a fixed date, so that the files do not change when remade."""
    i = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
    i.compress_type = method
    return i


def torch_zip(name, pkl, storages=(), method=zipfile.ZIP_STORED, extra=()):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", method) as z:
        z.writestr(info("archive/data.pkl", method), pkl)
        for key, data in storages:
            z.writestr(info(f"archive/data/{key}"), data)
        for n, data in extra:
            z.writestr(info(n), data)
        z.writestr(info("archive/version"), b"3\n")
    open(name, "wb").write(buf.getvalue())
    return buf.getvalue()


def case(name, expect):
    expected.append((name, expect))


def s(text):                                   # BINUNICODE
    b = text.encode()
    return b"X" + struct.pack("<I", len(b)) + b


def g(module, name):                           # GLOBAL
    return b"c" + module.encode() + b"\n" + name.encode() + b"\n"


def tensor(key, numel, size, stride, offset=0, storage="FloatStorage"):
    """_rebuild_tensor_v2(persid('storage', torch.X, key, 'cpu', numel), offset, size, stride,
    False, OrderedDict())"""
    tup = lambda xs: b"(" + b"".join(b"K" + bytes([x]) for x in xs) + b"t"
    pid = b"(" + s("storage") + g("torch", storage) + s(key) + s("cpu") + b"K" + bytes([numel]) + b"tQ"
    return (g("torch._utils", "_rebuild_tensor_v2") + b"(" + pid + b"K" + bytes([offset])
            + tup(size) + tup(stride) + b"\x89" + g("collections", "OrderedDict") + b")R" + b"tR")


P = b"\x80\x02"
ok_dict = P + b"}(" + s("w") + tensor("0", 4, [2, 2], [2, 1]) + b"u."
torch_zip("valid_small.pth", ok_dict, [("0", struct.pack("<4f", 1, 2, 3, 4))])

# code execution attempts
torch_zip("os_system.pth", P + g("os", "system") + s("echo owned") + b"\x85R.")
case("os_system.pth", "`os.system` is not allowed")
torch_zip("builtins_eval.pth", P + g("builtins", "eval") + s("1+1") + b"\x85R.")
case("builtins_eval.pth", "`builtins.eval` is not allowed")
torch_zip("subprocess.pth", P + g("subprocess", "Popen") + b")\x81.")
case("subprocess.pth", "`subprocess.Popen` is not allowed")
torch_zip("stack_global.pth", P + s("posix") + s("system") + b"\x93" + s("id") + b"\x85R.")
case("stack_global.pth", "`posix.system` is not allowed")
torch_zip("reduce_class.pth", P + g("torch.nn.modules.linear", "Linear") + b"(K\x02K\x03tR.")
case("reduce_class.pth", "`torch.nn.modules.linear.Linear` is not allowed to be called")
torch_zip("inst.pth", P + b"(ios\nsystem\n" + s("id") + b".")
case("inst.pth", "opcode INST (calls a class) is not allowed")
torch_zip("ext1.pth", P + b"\x82\x01.")
case("ext1.pth", "opcode EXT1")
torch_zip("text_protocol.pth", b"I1\n.")
case("text_protocol.pth", "text-protocol opcode 'I' is not supported")

# budgets: recursion, sharing, memo, marks
torch_zip("deep_lists.pth", P + b"]" * 5000 + b"a" * 4999 + b".")
case("deep_lists.pth", "nests deeper than 64 levels")
share = P + b"]" + b"".join(b"q" + bytes([i]) + b"(h" + bytes([i]) + b"h" + bytes([i]) + b"l" for i in range(60)) + b"."
torch_zip("shared_dag.pth", share)
case("shared_dag.pth", "shared too often")
torch_zip("memo_missing.pth", P + b"h\x05.")
case("memo_missing.pth", "memo entry 5 was never stored")
torch_zip("marks.pth", P + b"(" * 100001 + b".")
case("marks.pth", "nested MARKs")
torch_zip("no_stop.pth", P + b"}")
case("no_stop.pth", "ends without a STOP opcode")
torch_zip("cut_string.pth", P + b"X\xff\xff\xff\x7fabc")
case("cut_string.pth", "ends in the middle of an opcode")
torch_zip("bad_opcode.pth", P + b"\xff.")
case("bad_opcode.pth", "unknown opcode 0xff")
torch_zip("self_list.pth", P + b"]q\x00h\x00a.")          # l.append(l): a cycle, no tensor
case("self_list.pth", "")                                   # opens, with no tensor

# storages too small
torch_zip("storage_small_entry.pth", ok_dict, [("0", b"\0" * 8)])
case("storage_small_entry.pth", "storage \"0\" claims 4 elements of 4 bytes but its entry holds 8 bytes")
torch_zip("tensor_past_storage.pth", P + b"}(" + s("w") + tensor("0", 4, [3, 2], [2, 1]) + b"u.",
          [("0", b"\0" * 16)])
case("tensor_past_storage.pth", "tensor \"w\" (F32 [3, 2] at offset 0) needs 6 elements but its storage \"0\" holds 4")
torch_zip("stride_past_storage.pth", P + b"}(" + s("w") + tensor("0", 4, [2, 2], [1, 9]) + b"u.",
          [("0", b"\0" * 16)])
case("stride_past_storage.pth", "the storage is too small")
torch_zip("missing_storage.pth", ok_dict)
case("missing_storage.pth", "storage \"0\" is missing")
torch_zip("complex_storage.pth", P + b"}(" + s("w") + tensor("0", 4, [4], [1], storage="ComplexFloatStorage") + b"u.",
          [("0", b"\0" * 32)])
case("complex_storage.pth", "storage type torch.ComplexFloatStorage is not supported")

torch_zip("big_endian.pth", ok_dict, [("0", struct.pack(">4f", 1, 2, 3, 4))],
          extra=[("archive/byteorder", b"big")])
case("big_endian.pth", "the storages are big-endian (not supported)")

# ZIP containers
torch_zip("deflated.pth", ok_dict, [("0", struct.pack("<4f", 1, 2, 3, 4))], method=zipfile.ZIP_DEFLATED)
case("deflated.pth", "is compressed (method 8)")
good = open("valid_small.pth", "rb").read()
open("truncated.pth", "wb").write(good[: len(good) - 30])
case("truncated.pth", "no ZIP end-of-central-directory record")
eocd = good.rindex(b"PK\x05\x06")
bad = bytearray(good)
bad[eocd + 16: eocd + 20] = struct.pack("<I", len(good) + 1000)
open("cd_out_of_range.pth", "wb").write(bytes(bad))
case("cd_out_of_range.pth", "the central directory (offset")
# two central entries pointing at the same local header: bytes used twice
cd = struct.unpack("<I", good[eocd + 16: eocd + 20])[0]
cd_size = struct.unpack("<I", good[eocd + 12: eocd + 16])[0]
entries, at = [], cd
while at < cd + cd_size:
    n, x, c = struct.unpack("<HHH", good[at + 28: at + 34])
    entries.append(bytearray(good[at: at + 46 + n + x + c]))
    at += 46 + n + x + c
second = entries[1]
second[42:46] = entries[0][42:46]           # the storage's header offset := data.pkl's
bad = bytearray(good[:cd]) + b"".join(entries[:1]) + second + b"".join(entries[2:])
bad += good[eocd:]
open("overlap.pth", "wb").write(bytes(bad))
case("overlap.pth", "its local header names another entry")
# an entry whose data run into the next one (sizes grown): overlap
grown = bytearray(good)
c1 = cd + len(entries[0])                    # the storage's central entry
old = struct.unpack("<I", grown[c1 + 20: c1 + 24])[0]
grown[c1 + 20: c1 + 28] = struct.pack("<II", old + 60, old + 60)
lh1 = struct.unpack("<I", grown[c1 + 42: c1 + 46])[0]
grown[lh1 + 18: lh1 + 26] = struct.pack("<II", old + 60, old + 60)
open("overlap_sizes.pth", "wb").write(bytes(grown))
case("overlap_sizes.pth", "overlap")
# a zip bomb: a deflated entry claiming a huge expansion
bomb = bytearray(good)
c0 = cd
bomb[c0 + 10: c0 + 12] = struct.pack("<H", 8)
bomb[c0 + 24: c0 + 28] = struct.pack("<I", 0xfffffff0)
lh = struct.unpack("<I", bomb[c0 + 42: c0 + 46])[0]
bomb[lh + 8: lh + 10] = struct.pack("<H", 8)
open("zip_bomb.pth", "wb").write(bytes(bomb))
case("zip_bomb.pth", "(a zip bomb)")

# other formats, named
buf = io.BytesIO()
with zipfile.ZipFile(buf, "w") as z:
    z.writestr(info("m/data.pkl"), P + b"}.")
    z.writestr(info("m/constants.pkl"), P + b").")
    z.writestr(info("m/code/__torch__.py"), b"class M: pass\n")
open("torchscript.pt", "wb").write(buf.getvalue())
case("torchscript.pt", "it is in the TorchScript format")
npy = b"\x93NUMPY\x01\x00" + struct.pack("<H", 118) + b"{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }".ljust(117) + b"\n" + struct.pack("<2f", 1, 2)
open("array.npy", "wb").write(npy)
case("array.npy", "it is in the NumPy (.npy/.npz) format")
buf = io.BytesIO()
with zipfile.ZipFile(buf, "w") as z:
    z.writestr(info("a.npy"), npy)
open("arrays.npz", "wb").write(buf.getvalue())
case("arrays.npz", "it is in the NumPy (.npy/.npz) format")
open("model.gguf", "wb").write(b"GGUF" + struct.pack("<IQQ", 3, 0, 0))
case("model.gguf", "it is in the GGUF format")
open("model.h5", "wb").write(b"\x89HDF\r\n\x1a\n" + b"\0" * 64)
case("model.h5", "it is in the HDF5 (Keras .h5) format")
open("model.onnx", "wb").write(b"\x08\x07\x12\x07pytorch\x1a\x031.0:\x00")
case("model.onnx", "it is in the ONNX format")
buf = io.BytesIO()
with zipfile.ZipFile(buf, "w") as z:
    z.writestr(info("config.json"), b"{}")
    z.writestr(info("model.weights.h5"), b"\x89HDF\r\n\x1a\n")
open("model.keras", "wb").write(buf.getvalue())
case("model.keras", "it is in the Keras (.keras) format")
open("plain.pkl", "wb").write(P + b"}(" + s("epoch") + b"K\x03u.")
case("plain.pkl", "it is in the Python pickle format")
open("notes.txt", "wb").write(b"These are not weights at all.\n")
case("notes.txt", "of an unknown format")

# the legacy format: storages after the pickles
magic = P + b"\x8a\x0a" + (0x1950a86a20f9469cfc6c).to_bytes(10, "little") + b"."
proto = P + b"M\xe9\x03."
info = P + b"}(" + s("little_endian") + b"\x88u."
keys = P + b"(" + s("0") + b"l."
legacy_main = P + b"}(" + s("w") + tensor("0", 4, [2, 2], [2, 1]) + b"u."
open("legacy_cut.pth", "wb").write(magic + proto + info + legacy_main + keys + struct.pack("<q", 4) + b"\0" * 8)
case("legacy_cut.pth", "storage \"0\" claims 4 elements but the file ends before them")
open("legacy_ok.pth", "wb").write(magic + proto + info + legacy_main + keys + struct.pack("<q", 4) + struct.pack("<4f", 1, 2, 3, 4))

with open("expected.tsv", "w") as f:
    for name, expect in expected:
        f.write(f"{name}\t{expect}\n")
