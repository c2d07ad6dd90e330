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
  shuffled with random.Random(7), the first 500 taken and re-sorted by id;
- waimai_dev_urgent_{1,2}.tsv: the same 798 dev negatives as waimai_dev_{1,2}, for the urgent (P1)
  reading, done without the category labels in view;
- waimai_train_safety.tsv: the training rows our labels put in food_safety, for the kind of
  safety problem (illness, foreign object, spoiled, hygiene);
- online_shopping_{1..4}.tsv: 1,600 negative online_shopping_10_cats reviews (id = row index in the
  CSV) of 4-160 characters: 800 drawn at random and 800 drawn among those that mention money,
  refunds, service or the platform (the thin categories), both with random.Random(20261201),
  id-sorted, four slices of 400;
- online_shopping_safety.tsv: the rows of those 1,600 our labels put in food_safety, for the kind
  of safety problem (as waimai_train_safety).
"""
import csv
import io
import json
import os
import random
import re
import zipfile

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
    write('waimai_dev_urgent_1.tsv', dev[:399])
    write('waimai_dev_urgent_2.tsv', dev[399:])
    safety = {r['id'] for r in load(os.path.join(ROOT, 'data', 'labels', 'waimai_train.jsonl')) if 'food_safety' in r['categories']}
    write('waimai_train_safety.tsv', [r for r in sorted(train, key=lambda r: r['id']) if r['id'] in safety])
    negatives = []
    with zipfile.ZipFile(f'{EXT}/online_shopping_10_cats/online_shopping_10_cats.zip') as z:
        name = next(n for n in z.namelist() if n.endswith('.csv'))
        for i, r in enumerate(csv.DictReader(io.TextIOWrapper(z.open(name), encoding='utf-8'))):
            text = (r['review'] or '').strip()
            if r['label'] == '0' and 4 <= len(text) <= 160:
                negatives.append({'id': f'online_shopping-{i}', 'text': text})
    rng = random.Random(20261201)
    rng.shuffle(negatives)
    picked = negatives[:800]
    cues = re.compile('退|价|贵|钱|发票|运费|客服|服务|态度|卖家|商家|店家|京东|当当|亚马逊|平台|系统|优惠|券|赠品|换货|售后|投诉')
    taken = {r['id'] for r in picked}
    picked += [r for r in negatives[800:] if r['id'] not in taken and cues.search(r['text'])][:800]
    picked.sort(key=lambda r: int(r['id'].split('-')[1]))
    for i in range(4):
        write(f'online_shopping_{i + 1}.tsv', picked[i * 400:(i + 1) * 400])
    shop_safety = {r['id'] for r in load(os.path.join(ROOT, 'data', 'labels', 'online_shopping.jsonl')) if 'food_safety' in r['categories']}
    write('online_shopping_safety.tsv', [r for r in picked if r['id'] in shop_safety])
    print(f'slices written to {os.path.relpath(OUT, ROOT)}/')


if __name__ == '__main__':
    main()
