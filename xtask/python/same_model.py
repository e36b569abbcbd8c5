"""Whether two SINr model files hold the same model: every byte equal but the stage times of
the training report (which differ from run to run) and the checksum that covers them.

    python3 xtask/python/same_model.py A.sinr B.sinr

Exits 0 and prints "same model" when they match; else prints the first difference and exits 1.
The layout is the one of crates/sinr-embed/src/model_file.rs: magic, version, a JSON header
(length-prefixed), then the binary parts, then an FNV-1a checksum.
"""
import json
import struct
import sys


def parts(path):
    data = open(path, "rb").read()
    if data[:8] != b"SINRMDL\n":
        sys.exit(f"{path}: not a SINr model file")
    (length,) = struct.unpack_from("<Q", data, 12)
    header = json.loads(data[20 : 20 + length])
    times = header.get("report", {}).pop("times", None)
    return data[8:12], header, data[20 + length : -8], times


def main():
    a, b = sys.argv[1], sys.argv[2]
    va, ha, ra, ta = parts(a)
    vb, hb, rb, tb = parts(b)
    if va != vb:
        print("different format versions")
        return 1
    if ha != hb:
        for k in sorted(set(ha) | set(hb)):
            if ha.get(k) != hb.get(k):
                print(f"headers differ in `{k}`:\n  {ha.get(k)}\n  {hb.get(k)}")
        return 1
    if ra != rb:
        at = next(i for i, (x, y) in enumerate(zip(ra, rb)) if x != y) if len(ra) == len(rb) else None
        print(f"binary parts differ ({len(ra)} and {len(rb)} bytes; first difference at {at})")
        return 1
    print(f"same model ({len(ra)} bytes of vectors and partitions; stage times {ta} and {tb} left out)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
