#!/usr/bin/env python3
"""Rebuilds the exact row selections that were labelled by hand (data/labels/*.jsonl), as
`id<TAB>text` files for annotators, under target/labeling/. Texts stay outside the repository.

- waimai_train_{1,2,3}.tsv: 1,800 negative rows of waimai_10k/train.jsonl, id-sorted, shuffled with
  random.Random(20261123), the first 1,800 taken and re-sorted by id, in three slices of 600;
- waimai_train_{4..7}.tsv: the next 2,400 of that shuffled order (a second labelling round),
  re-sorted by id, in four slices of 600;
- waimai_train_{8..11}.tsv: the remaining 2,184 (a third round), re-sorted by id, four slices;
- waimai_dev_{1,2}.tsv: all 798 negative rows of waimai_10k/dev.jsonl, id-sorted, 399 + 399;
- atec_1.tsv: 500 distinct q1 questions of atec_nlp_sim/train.jsonl (id + '#q1'), id-sorted,
  shuffled with random.Random(7), the first 500 taken and re-sorted by id.
"""
import json
import os
import random

ROOT = os.path.normpath(os.path.join(os.path.dirname(__file__), '..'))
EXT = os.path.join(ROOT, '..', 'shared', 'data', 'external')
OUT = os.path.join(ROOT, 'target', 'labeling')


def load(path):
    with open(path, encoding='utf-8') as f:
        return [json.loads(line) for line in f]


def write(name, rows):
    with open(os.path.join(OUT, name), 'w', encoding='utf-8') as f:
        for r in rows:
            f.write(r['id'] + '\t' + r['text'].replace('\t', ' ').replace('\n', ' ') + '\n')


def main():
    os.makedirs(OUT, exist_ok=True)
    train = sorted((r for r in load(f'{EXT}/waimai_10k/train.jsonl') if r['sentiment'] == 'negative'), key=lambda r: r['id'])
    random.Random(20261123).shuffle(train)
    sample = sorted(train[:1800], key=lambda r: r['id'])
    for i in range(3):
        write(f'waimai_train_{i + 1}.tsv', sample[i * 600:(i + 1) * 600])
    second = sorted(train[1800:4200], key=lambda r: r['id'])
    for i in range(4):
        write(f'waimai_train_{i + 4}.tsv', second[i * 600:(i + 1) * 600])
    third = sorted(train[4200:], key=lambda r: r['id'])
    for i in range(4):
        write(f'waimai_train_{i + 8}.tsv', third[i * 546:(i + 1) * 546])
    dev = sorted((r for r in load(f'{EXT}/waimai_10k/dev.jsonl') if r['sentiment'] == 'negative'), key=lambda r: r['id'])
    write('waimai_dev_1.tsv', dev[:399])
    write('waimai_dev_2.tsv', dev[399:])
    seen, questions = set(), []
    for r in sorted(load(f'{EXT}/atec_nlp_sim/train.jsonl'), key=lambda r: r['id']):
        if r['q1'] not in seen:
            seen.add(r['q1'])
            questions.append({'id': r['id'] + '#q1', 'text': r['q1']})
    random.Random(7).shuffle(questions)
    write('atec_1.tsv', sorted(questions[:500], key=lambda r: r['id']))
    print(f'slices written to {os.path.relpath(OUT, ROOT)}/')


if __name__ == '__main__':
    main()
