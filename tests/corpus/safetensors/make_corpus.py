#!/usr/bin/env python3
"""Write the safetensors corpus: malformed files (one defect each) and valid ones.

    python3 make_corpus.py            # writes beside this script

Malformed files go to this directory, with expected.tsv listing
`file<TAB>substring of the error` (the substring starts with the file name,
as the error names the file).  Valid files go to valid/, with valid.tsv
listing `file<TAB>tensor<TAB>comma-separated float32 values` (every tensor of
every valid file, in file order; a file with no tensors has no row).

Plain python3 standard library; the output is deterministic.
"""

import json
import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
VALID = os.path.join(HERE, "valid")


def u64(n):
    return struct.pack("<Q", n)


def raw(header, data=b""):
    """A file with header bytes taken as they are, and a correct length."""
    if isinstance(header, str):
        header = header.encode("utf-8")
    return u64(len(header)) + header + data


def st(header, data=b""):
    """A file whose header is the JSON of header (a dict)."""
    return raw(json.dumps(header, separators=(",", ":")), data)


def t(dtype, shape, begin, end):
    return {"dtype": dtype, "shape": shape, "data_offsets": [begin, end]}


def f32(*values):
    return struct.pack("<%df" % len(values), *values)


F32_4 = f32(1, 2, 3, 4)
GOOD_A = t("F32", [2, 2], 0, 16)

# name -> (bytes, substring of the error after "NAME: ")
BAD = {
    "empty": (b"", "the file is 0 bytes long, too short"),
    "seven_bytes": (b"\x02\x00\x00\x00\x00\x00\x00", "the file is 7 bytes long, too short"),
    "header_len_zero": (u64(0) + b"{}", "the header does not start with '{' (InvalidHeaderStart)"),
    "header_len_beyond_file": (u64(100) + b'{"a":1}',
                               "header length 100 runs past the end of the file (15 bytes)"),
    "header_len_2_63": (u64(1 << 63) + b"{}", "header length 9223372036854775808 bytes exceeds "
                        "the limit of 100 MB (HeaderTooLarge)"),
    "header_len_100mb_plus_1": (u64(100_000_001) + b"{}", "header length 100000001 bytes "
                                "exceeds the limit of 100 MB (HeaderTooLarge)"),
    "header_len_100mb_short_file": (u64(100_000_000) + b"{}", "header length 100000000 runs "
                                    "past the end of the file"),
    # "This is " read as the header length
    "not_safetensors": (b"This is a text file, not a safetensors file.\n",
                        "header length 2338328219631577172 bytes exceeds the limit of 100 MB "
                        "(HeaderTooLarge)"),
    "header_not_brace": (raw('["a"]'), "the header does not start with '{' (InvalidHeaderStart)"),
    "header_leading_space": (raw(' {}'), "the header does not start with '{' (InvalidHeaderStart)"),
    "json_array": (raw('[{"a":{"dtype":"F32","shape":[],"data_offsets":[0,4]}}]', f32(1)),
                   "the header does not start with '{' (InvalidHeaderStart)"),
    "invalid_json": (raw('{"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]'),
                     "the header is not valid JSON"),
    "invalid_json_trailing_comma": (raw('{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},}',
                                        f32(1)), "the header is not valid JSON"),
    "json_trailing_garbage": (raw('{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}x',
                                  f32(1)), "the header has more after its JSON object (trailing characters)"),
    "non_utf8_header": (raw(b'{"\xff\xfe":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}',
                            f32(1)), "the header is not valid UTF-8 (InvalidHeader)"),
    "nul_in_header": (raw(b'{"a\x00b":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}', f32(1)),
                      # GLib's UTF-8 validation already rejects the NUL
                      "the header "),
    "entry_not_object": (st({"a": [0, 4]}, f32(1)),
                         'tensor "a": its header entry is not an object'),
    "missing_dtype": (st({"a": {"shape": [1], "data_offsets": [0, 4]}}, f32(1)),
                      'tensor "a": missing or non-string "dtype"'),
    "dtype_not_string": (st({"a": t(4, [1], 0, 4)}, f32(1)),
                         'tensor "a": missing or non-string "dtype"'),
    "dtype_f8_e4m3": (st({"a": t("F8_E4M3", [4], 0, 4)}, b"\x01\x02\x03\x04"),
                      'tensor "a": unsupported dtype "F8_E4M3"'),
    "dtype_q4": (st({"a": t("Q4", [8], 0, 4)}, b"\x01\x02\x03\x04"),
                 'tensor "a": unsupported dtype "Q4"'),
    "dtype_lowercase": (st({"a": t("f32", [1], 0, 4)}, f32(1)),
                        'tensor "a": unsupported dtype "f32"'),
    "shape_missing": (st({"a": {"dtype": "F32", "data_offsets": [0, 4]}}, f32(1)),
                      'tensor "a": missing "shape" array'),
    "shape_not_array": (st({"a": t("F32", 1, 0, 4)}, f32(1)),
                        'tensor "a": missing "shape" array'),
    "shape_negative": (st({"a": t("F32", [-1, 4], 0, 16)}, F32_4),
                       'tensor "a": shape[0] is not a non-negative integer'),
    "shape_float": (st({"a": t("F32", [2, 2.0], 0, 16)}, F32_4),
                    'tensor "a": shape[1] is not a non-negative integer'),
    "shape_string": (st({"a": t("F32", ["2", 2], 0, 16)}, F32_4),
                     'tensor "a": shape[0] is not a non-negative integer'),
    "shape_bool": (st({"a": t("F32", [True], 0, 4)}, f32(1)),
                   'tensor "a": shape[0] is not a non-negative integer'),
    "shape_overflow": (st({"a": t("F32", [1 << 32, 1 << 32], 0, 16)}, F32_4),
                       'tensor "a": the element count overflows (ValidationOverflow)'),
    "shape_byte_overflow": (st({"a": t("F64", [1 << 62], 0, 16)}, F32_4),
                            'tensor "a": its byte size overflows (ValidationOverflow)'),
    "shape_9_dims": (st({"a": t("F32", [1] * 9, 0, 4)}, f32(1)),
                     'tensor "a": 9 dimensions (at most 8 are supported)'),
    "offsets_missing": (st({"a": {"dtype": "F32", "shape": [1]}}, f32(1)),
                        'tensor "a": "data_offsets" must be two non-negative integers'),
    "offsets_three": (st({"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4, 8]}},
                         f32(1)),
                      'tensor "a": "data_offsets" must be two non-negative integers'),
    "offsets_negative": (st({"a": t("F32", [1], -4, 0)}, f32(1)),
                         'tensor "a": "data_offsets" must be two non-negative integers'),
    "offsets_float": (st({"a": t("F32", [1], 0, 4.0)}, f32(1)),
                      'tensor "a": "data_offsets" must be two non-negative integers'),
    "offsets_end_before_begin": (st({"a": t("F32", [0], 8, 4)}, f32(1, 2)),
                                 'tensor "a": data_offsets end 4 is before begin 8 (InvalidOffset)'),
    "size_mismatch": (st({"a": t("F32", [2, 2], 0, 12)}, f32(1, 2, 3)),
                      'tensor "a": shape and dtype need 16 bytes but data_offsets span 12 '
                      '(TensorInvalidInfo)'),
    "size_mismatch_zero_size": (st({"a": t("F32", [0, 4], 0, 4)}, f32(1)),
                                'tensor "a": shape and dtype need 0 bytes but data_offsets span 4'),
    "first_not_at_zero": (st({"a": t("F32", [2, 2], 4, 20)}, f32(0) + F32_4),
                          'tensor "a": data starts at offset 4 but 0 was expected (a gap before '
                          'it) (InvalidOffset)'),
    "gap_between_tensors": (st({"a": GOOD_A, "b": t("F32", [1], 20, 24)}, F32_4 + f32(0, 5)),
                            'tensor "b": data starts at offset 20 but 16 was expected (a gap '
                            'before it)'),
    "overlapping_tensors": (st({"a": GOOD_A, "b": t("F32", [2], 8, 16)}, F32_4),
                            'tensor "b": data starts at offset 8 but 16 was expected (it '
                            'overlaps the previous tensor)'),
    "offsets_beyond_buffer": (st({"a": GOOD_A, "b": t("F32", [4], 16, 32)}, F32_4),
                              "the tensors cover 32 bytes but the data buffer holds 16 "
                              "(MetadataIncompleteBuffer)"),
    "trailing_bytes": (st({"a": GOOD_A}, F32_4 + b"\x00\x00\x00\x00"),
                       "the tensors cover 16 bytes but the data buffer holds 20 "
                       "(MetadataIncompleteBuffer)"),
    "no_tensors_trailing_bytes": (st({}, b"\x00"), "the tensors cover 0 bytes but the data "
                                  "buffer holds 1 (MetadataIncompleteBuffer)"),
    "truncated_data": (st({"a": GOOD_A}, F32_4[:10]),
                       "the tensors cover 16 bytes but the data buffer holds 10"),
    "metadata_not_object": (st({"__metadata__": "pt", "a": GOOD_A}, F32_4),
                            "__metadata__ must be an object of strings"),
    "metadata_value_not_string": (st({"__metadata__": {"format": 1}, "a": GOOD_A}, F32_4),
                                  '__metadata__ value of "format" is not a string'),
    "metadata_value_null": (st({"__metadata__": {"format": None}, "a": GOOD_A}, F32_4),
                            '__metadata__ value of "format" is not a string'),
    # json-glib reads the first of several JSON values; the reference rejects the rest
    "trailing_json_object": (raw('{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}} {}',
                                 f32(1)),
                             "the header has more after its JSON object (trailing characters)"),
    "trailing_json_array": (raw('{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}[1]',
                                f32(1)),
                            "the header has more after its JSON object (trailing characters)"),
    # json.dumps cannot repeat a key: write the text by hand.  The second "a"
    # replaces the first (as serde does in the reference), which leaves bytes
    # 0..16 to no tensor.
    "duplicate_key": (raw('{"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]},'
                          '"a":{"dtype":"F32","shape":[2],"data_offsets":[16,24]}}',
                          F32_4 + f32(5, 6)),
                      'tensor "a": data starts at offset 16 but 0 was expected (a gap before '
                      'it)'),
}


def f16(*values):
    return struct.pack("<%de" % len(values), *values)


def bf16(*values):
    """bfloat16 by truncation; the values below are exact in bfloat16."""
    out = b""
    for v in values:
        bits = struct.unpack("<I", struct.pack("<f", v))[0]
        assert bits & 0xFFFF == 0, v
        out += struct.pack("<H", bits >> 16)
    return out


def as_f32(v):
    return struct.unpack("<f", struct.pack("<f", v))[0]


def valid_file(tensors, metadata=None, pad=0):
    """tensors: [(name, dtype, shape, bytes, float32 values)] in file order."""
    header = {}
    if metadata is not None:
        header["__metadata__"] = metadata
    data = b""
    for name, dtype, shape, payload, _ in tensors:
        header[name] = t(dtype, shape, len(data), len(data) + len(payload))
        data += payload
    text = json.dumps(header, separators=(",", ":")) + " " * pad
    return raw(text, data)


F16_VALUES = [1.0, -2.5, 0.0999755859375, 65504.0, -0.0, 2.0 ** -24, 2.0 ** -14, 0.5]
BF16_VALUES = [1.0, -3.0, 0.15625, 3.3895313892515355e38, 2.0 ** -126, -1.5]
F64_VALUES = [0.1, -1e-3, 123456789.0, 2.0 ** 30, 1.0 / 3.0, -0.0]
I64_VALUES = [0, -7, 3, 2 ** 40, 16777217, -(2 ** 62)]
I32_VALUES = [-2147483648, 2147483647, 5]
I16_VALUES = [-32768, 32767]
I8_VALUES = [-128, 127, 0]
U8_VALUES = [0, 255, 17]
BOOL_VALUES = [True, False, True]


def ints(values):
    # int -> float32 as C does, rounding to nearest
    return [as_f32(float(v)) for v in values]


VALID_FILES = {
    "f16": [("w", "F16", [2, 4], f16(*F16_VALUES), F16_VALUES)],
    "bf16": [("w", "BF16", [3, 2], bf16(*BF16_VALUES), BF16_VALUES)],
    "f64": [("x", "F64", [6], struct.pack("<6d", *F64_VALUES), [as_f32(v) for v in F64_VALUES])],
    "i64": [("steps", "I64", [2, 3], struct.pack("<6q", *I64_VALUES), ints(I64_VALUES))],
    "mixed_dtypes": [
        ("0.weight", "F32", [2, 2], F32_4, [1.0, 2.0, 3.0, 4.0]),
        ("0.bias", "F16", [2], f16(0.5, -0.25), [0.5, -0.25]),
        ("count", "I32", [3], struct.pack("<3i", *I32_VALUES), ints(I32_VALUES)),
        ("short", "I16", [2], struct.pack("<2h", *I16_VALUES), ints(I16_VALUES)),
        ("byte", "I8", [3], struct.pack("<3b", *I8_VALUES), ints(I8_VALUES)),
        ("ubyte", "U8", [3], bytes(U8_VALUES), ints(U8_VALUES)),
        ("mask", "BOOL", [3], bytes(BOOL_VALUES), [1.0, 0.0, 1.0]),
    ],
    "zero_size": [
        ("a", "F32", [1], f32(7), [7.0]),
        ("empty", "F32", [0, 4], b"", []),
        ("b", "F64", [2], struct.pack("<2d", 0.25, -8.0), [0.25, -8.0]),
        ("nothing", "BF16", [3, 0], b"", []),
    ],
    "scalar": [("loss", "F32", [], f32(0.75), [0.75])],
    "eight_dims": [("t", "F32", [1, 2, 1, 1, 1, 1, 1, 2], F32_4, [1.0, 2.0, 3.0, 4.0])],
    "empty_header": [],
}


# Valid files whose header is written by hand.  A repeated key keeps its last
# value (json-glib, like serde in the reference); here both are the same.
VALID_RAW = {
    "duplicate_same_entry": (
        raw('{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},'
            '"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}', f32(2.5)),
        [("a", [2.5])]),
}


def write(path, data):
    with open(path, "wb") as f:
        f.write(data)


def main():
    os.makedirs(VALID, exist_ok=True)
    for name in sorted(os.listdir(HERE)):
        if name.endswith(".safetensors"):
            os.unlink(os.path.join(HERE, name))
    with open(os.path.join(HERE, "expected.tsv"), "w") as tsv:
        tsv.write("# file\tsubstring of the error (see make_corpus.py)\n")
        for name, (data, expect) in sorted(BAD.items()):
            fname = name + ".safetensors"
            write(os.path.join(HERE, fname), data)
            tsv.write("%s\t%s: %s\n" % (fname, fname, expect))

    for name in sorted(os.listdir(VALID)):
        if name.endswith(".safetensors"):
            os.unlink(os.path.join(VALID, name))
    with open(os.path.join(VALID, "valid.tsv"), "w") as tsv:
        tsv.write("# file\ttensor\tfloat32 values (see make_corpus.py)\n")
        for name, tensors in sorted(VALID_FILES.items()):
            fname = name + ".safetensors"
            meta = {"format": "pt"} if name == "mixed_dtypes" else None
            write(os.path.join(VALID, fname),
                  valid_file(tensors, meta, pad=5 if name == "f16" else 0))
            for tname, _, _, _, values in tensors:
                tsv.write("%s\t%s\t%s\n" % (fname, tname, ",".join(repr(as_f32(v)) for v in values)))
        for name, (data, tensors) in sorted(VALID_RAW.items()):
            fname = name + ".safetensors"
            write(os.path.join(VALID, fname), data)
            for tname, values in tensors:
                tsv.write("%s\t%s\t%s\n" % (fname, tname, ",".join(repr(as_f32(v)) for v in values)))
    print("%d malformed, %d valid files" % (len(BAD), len(VALID_FILES) + len(VALID_RAW)))


if __name__ == "__main__":
    sys.exit(main())
