#!/usr/bin/env python3
"""Builds shared/model/dict.txt, the trimmed jieba dictionary the widget and the worker load.

jieba-rs runs *without* its default dictionary (2.4 MB, a 0.7 s stall in the browser). Instead:

1. the training texts (waimai_10k train, ATEC questions, the project's authored examples) are
   segmented with PyPI `jieba` and its full dictionary (HMM on, to find domain words it lacks);
2. words of 2–6 characters seen at least MIN_COUNT times are kept, most frequent first, up to
   MAX_WORDS, plus every word of data/lexicon/domain.txt;
3. each word's frequency is jieba's own where it has one (so routes are chosen as jieba would),
   else its corpus count.

Texts are normalised the way `qingting_shared::understand::text::normalize` does (no Traditional forms in these
corpora, so Python's lower()/NFKC is enough here). Deterministic: same inputs, same file.

    target/py/bin/python scripts/build_dict.py  [--shared ../shared]
"""
import argparse
import collections
import json
import os
import re
import sys
import unicodedata

import jieba

MIN_COUNT = 3
MAX_WORDS = 6000
ROOT = os.path.normpath(os.path.join(os.path.dirname(__file__), '..'))
KEEP = re.compile(r'^[\u4e00-\u9fff0-9a-z]{2,6}$')


def texts(shared):
    ext = os.path.join(shared, 'data', 'external')
    with open(os.path.join(ext, 'waimai_10k', 'train.jsonl'), encoding='utf-8') as f:
        for line in f:
            yield json.loads(line)['text']
    seen = set()
    with open(os.path.join(ext, 'atec_nlp_sim', 'train.jsonl'), encoding='utf-8') as f:
        for line in f:
            row = json.loads(line)
            for q in (row['q1'], row['q2']):
                if q not in seen:
                    seen.add(q)
                    yield q
    authored = os.path.join(ROOT, 'data', 'authored', 'examples.jsonl')
    if os.path.exists(authored):
        with open(authored, encoding='utf-8') as f:
            for line in f:
                yield json.loads(line)['text']


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--shared', default=os.path.join(ROOT, '..', 'shared'))
    args = ap.parse_args()
    jieba.setLogLevel(60)
    jieba.initialize()
    lexicon = []
    with open(os.path.join(ROOT, 'data', 'lexicon', 'domain.txt'), encoding='utf-8') as f:
        for line in f:
            w = line.split('#')[0].strip()
            if w:
                lexicon.append(w)
                jieba.add_word(w)
    counts = collections.Counter()
    n = 0
    for text in texts(args.shared):
        n += 1
        norm = unicodedata.normalize('NFKC', text).lower()
        counts.update(w for w in jieba.cut(norm, HMM=True) if KEEP.match(w))
    words = [w for w, c in sorted(counts.items(), key=lambda x: (-x[1], x[0])) if c >= MIN_COUNT][:MAX_WORDS]
    chosen = sorted(set(words) | set(lexicon))
    out = os.path.join(ROOT, 'shared', 'model', 'dict.txt')
    os.makedirs(os.path.dirname(out), exist_ok=True)
    with open(out, 'w', encoding='utf-8') as f:
        for w in chosen:
            freq = jieba.dt.FREQ.get(w) or counts.get(w) or 1
            f.write(f'{w} {max(int(freq), 1)}\n')
    print(f'{n} texts, {len(counts)} distinct words, {len(chosen)} kept → {os.path.relpath(out, ROOT)} '
          f'({os.path.getsize(out)} bytes)', file=sys.stderr)


if __name__ == '__main__':
    main()
