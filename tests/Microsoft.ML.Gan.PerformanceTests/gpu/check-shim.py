#!/usr/bin/env python3
# Which of libLibTorchSharp.so's undefined symbols a libtorch folder does not define (TorchSharp 0.107 was built
# against libtorch 2.10; the shim loads over another version when none is missing; pack.sh lists only the strong ones). Exit 1 if any is missing;
# the last line, whether the shim loads with every symbol bound, decides (a libstdc++ older than the shim's wants one).
import ctypes, os, subprocess, sys
libdir, shim, names = sys.argv[1], sys.argv[2], sys.argv[3]
for n in ["libc10.so", "libtorch_cpu.so", "libtorch.so", "libc10_cuda.so", "libtorch_cuda.so"]:
    p = os.path.join(libdir, n)
    if os.path.exists(p):
        ctypes.CDLL(p, mode=os.RTLD_GLOBAL | os.RTLD_NOW)
glob = ctypes.CDLL(None)
missing = []
for line in open(names):
    s = line.strip().split("@")[0]
    if not s or s.startswith("_ITM_") or s.startswith("__gmon") or s == "__cxa_finalize": continue
    try: getattr(glob, s)
    except AttributeError: missing.append(s)
print(f"{len(missing)} of the shim's undefined symbols are missing from {libdir}")
try:
    dem = subprocess.run(["c++filt"], input="\n".join(missing[:40]), capture_output=True, text=True).stdout
except Exception: dem = "\n".join(missing[:40])
print(dem)
try:
    ctypes.CDLL(shim, mode=os.RTLD_NOW); print("shim loads with RTLD_NOW")
except OSError as e: print("shim RTLD_NOW load:", e)
sys.exit(1 if missing else 0)
