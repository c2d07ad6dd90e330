#!/usr/bin/env python3
"""Rebuilds the acknowledgement label samples (data/labels/faq_ack_{train,dev}.jsonl select rows by id).

For each waimai_10k negative (target/data/faq_complaints_{split}.jsonl, from build_datasets.py) it
asks `qingting faq` for the top matches and keeps the best `acknowledges` entry scoring ≥ 0.55
(without the category check, which was added after reading these labels). Rows are binned by score
in steps of 0.05 from 0.55 (7 bins, the last open) and up to N/7 are drawn per bin with a seeded
shuffle (train N = 360, dev N = 200). The output, with texts and answers for the reader, goes to
target/data/ack_candidates_{split}.jsonl (never committed); the committed label files keep only
{"id", "faq_id", "relevant"}. Exact reproduction needs the pack and model of the commit that added
the labels (model qt-lr-2, default pack version 1).

Usage: python3 scripts/make_ack_sample.py   (after `cargo build --release -p qingting-cli`)
"""
import json
import random
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
QINGTING = ROOT / "target/release/qingting"
PACK = json.loads((ROOT / "data/faq/default.json").read_text())
KINDS = {e["id"]: e["kind"] for e in PACK["entries"]}
ANSWERS = {e["id"]: e["answer"]["zh-CN"] for e in PACK["entries"]}


def candidates(path):
    rows = [json.loads(line) for line in path.open(encoding="utf-8")]
    rows = [r for r in rows if r.get("complaint")]
    stdin = "\n".join(json.dumps({"id": r["id"], "text": r["text"]}, ensure_ascii=False) for r in rows)
    out = subprocess.run([str(QINGTING), "faq"], input=stdin, capture_output=True, text=True, check=True).stdout
    texts = {r["id"]: r["text"] for r in rows}
    found = []
    for line in out.splitlines():
        o = json.loads(line)
        acks = [m for m in o["matches"] if KINDS.get(m["faq_id"]) == "acknowledges"]
        if acks and acks[0]["score"] >= 0.55:
            a = acks[0]
            found.append({"id": o["id"], "text": texts[o["id"]], "faq_id": a["faq_id"], "score": a["score"], "answer": ANSWERS[a["faq_id"]]})
    return found


def main():
    random.seed(7)
    for split, n in [("train", 360), ("dev", 200)]:
        found = candidates(ROOT / f"target/data/faq_complaints_{split}.jsonl")
        bins = {}
        for x in found:
            bins.setdefault(min(int((x["score"] - 0.55) / 0.05), 6), []).append(x)
        per = n // len(bins)
        sample = []
        for _, xs in sorted(bins.items()):
            random.shuffle(xs)
            sample += xs[:per]
        random.shuffle(sample)
        out = ROOT / f"target/data/ack_candidates_{split}.jsonl"
        with out.open("w", encoding="utf-8") as f:
            for x in sample:
                f.write(json.dumps(x, ensure_ascii=False) + "\n")
        print(f"{split}: {len(found)} candidates, {len(sample)} sampled → {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
