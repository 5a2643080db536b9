#!/usr/bin/env python3
"""Shrinks the reference's --golden fixtures (float64 JSON, ~15 MB) into what the parity tests load.

Made with (PyTorch reference, ../shared/reference):
    python3 ../shared/reference/zsn2n_torch.py --golden /tmp/golden_c3.json --channels 3
    python3 ../shared/reference/zsn2n_torch.py --golden /tmp/golden_c1.json --channels 1
    python3 scripts/compact-golden.py /tmp/golden_c3.json Tests/DenoiserTests/Fixtures/golden_c3 --adam
    python3 scripts/compact-golden.py /tmp/golden_c1.json Tests/DenoiserTests/Fixtures/golden_c1

Output: NAME.json (loss, random draws, shapes, and where each tensor sits) and NAME.f32 (every tensor
as little-endian float32, in the order the JSON lists them). The input and the initial parameters are
the same in every case (the reference reseeds per sampler) and are stored once; this is checked.
With --adam the parameters after one Adam step are kept too (one channel count is enough to pin Adam).
Standard library only.
"""
import json, struct, sys

src, dst = sys.argv[1], sys.argv[2]
keep_adam = "--adam" in sys.argv
doc = json.load(open(src))
blob = bytearray()

def put(values):
    offset = len(blob) // 4
    blob.extend(struct.pack("<%df" % len(values), *values))
    return {"offset": offset, "count": len(values)}

first = doc["cases"][0]
names = doc["param_names"]
for case in doc["cases"]:
    assert case["input"] == first["input"], "inputs differ between cases"
    assert case["params"] == first["params"], "initial parameters differ between cases"

out = {
    "source": "shared/reference/zsn2n_torch.py --golden, float64, compacted to float32 by scripts/compact-golden.py",
    "input_shape": first["input_shape"],
    "param_names": names,
    "adam": doc["adam"],
    "input": put(first["input"]),
    "params": {n: put(first["params"][n]) for n in names},
    "cases": [],
}
for case in doc["cases"]:
    entry = {
        "sampler": case["sampler"],
        "loss": case["loss"],
        "random_indices": case["random_indices"],
        "grads": {n: put(case["grads"][n]) for n in names},
        "denoised_after_step": put(case["denoised_after_step"]),
    }
    if keep_adam:
        entry["params_after_adam_step"] = {n: put(case["params_after_adam_step"][n]) for n in names}
    out["cases"].append(entry)

json.dump(out, open(dst + ".json", "w"), indent=1)
open(dst + ".f32", "wb").write(bytes(blob))
print(f"{dst}.json, {dst}.f32: {len(out['cases'])} cases, {len(blob)} bytes of float32")
