#!/usr/bin/env python3
"""Assembles the training and dev files for `qingting train` / `qingting eval` under target/data/,
joining the project's label files (ids only) with the external texts in ../shared/data/external/.
Nothing written here is committed. Standard library only; deterministic.

complaint_train.jsonl  waimai_10k train (all 9,584; negative = complaint, with our hand labels
                       overriding the 1,800 we read), the 500 labelled ATEC questions and the 460
                       project-written examples
complaint_extra.jsonl  online_shopping_10_cats, all 62,773 non-empty reviews (label 0 = complaint):
                       out-of-domain e-commerce reviews, trained on but never used for calibration
complaint_dev.jsonl    waimai_10k dev, all 1,198 rows with the dataset's own labels (the benchmark)
category_train.jsonl   the complaints among our labelled waimai train rows, ATEC questions, the
                       project-written examples and the 1,600 labelled online_shopping reviews,
                       with categories and primary
urgent_train.jsonl     complaint_train's rows, the labelled online_shopping reviews and the
                       project-written urgent examples (data/authored/urgent.jsonl): `urgent` (P1)
                       true for the food-safety rows read as illness or a foreign object
                       (waimai_train_safety.jsonl, online_shopping_safety.jsonl), for
                       account-security complaints and as written
urgent_dev.jsonl       waimai_10k dev, all 1,198 rows: `urgent` as read in waimai_dev_urgent.jsonl
                       for the 798 negatives, false for the 400 praise rows
category_dev.jsonl     the 789 complaints among our labelled waimai dev rows (never trained on)
faq_complaints_{train,dev}.jsonl  waimai_10k negatives (complaints that need a person), for
                       choosing and checking the FAQ auto-reply threshold
atec_pairs_{train,holdout}.jsonl  atec_nlp_sim train pairs split 80/20 (seeded, by pair id) for
                       the paraphrase model (`qingting similar-train` / `similar-eval`)
faq_questions.jsonl    the labelled ATEC questions that are not complaints (how-to questions)
dianping_dev.jsonl     dianping_aspect_complaints dev, publisher aspect labels mapped to the taxonomy
                       (evaluation only: part of it is AI Challenger data, non-commercial)

Licences and provenance: docs/DATA.md.
"""
import csv
import io
import json
import os
import zipfile

AUTHORED_WEIGHT = 10.0
ROOT = os.path.normpath(os.path.join(os.path.dirname(__file__), '..'))
EXT = os.path.join(ROOT, '..', 'shared', 'data', 'external')
OUT = os.path.join(ROOT, 'target', 'data')

# dianping publisher categories → taxonomy (dine-in: waiting is a merchant-service matter).
DIANPING = {'food_quality': 'food_quality', 'hygiene': 'food_safety', 'service_attitude': 'merchant_service',
            'timeliness': 'merchant_service', 'price': 'price_billing', 'environment': 'other', 'location_other': 'other'}


def load(path):
    with open(path, encoding='utf-8') as f:
        return [json.loads(line) for line in f if line.strip()]


def labels(name):
    return {r['id']: r for r in load(os.path.join(ROOT, 'data', 'labels', name))}


def write(name, rows):
    with open(os.path.join(OUT, name), 'w', encoding='utf-8') as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False) + '\n')
    print(f'{name}: {len(rows)}')


def main():
    os.makedirs(OUT, exist_ok=True)
    train_labels, dev_labels, atec_labels = labels('waimai_train.jsonl'), labels('waimai_dev.jsonl'), labels('atec_questions.jsonl')
    authored = load(os.path.join(ROOT, 'data', 'authored', 'examples.jsonl'))

    complaint_train, category_train = [], []
    for r in load(f'{EXT}/waimai_10k/train.jsonl'):
        lab = train_labels.get(r['id'])
        complaint = lab['complaint'] if lab else r['sentiment'] == 'negative'
        complaint_train.append({'id': r['id'], 'text': r['text'], 'complaint': complaint})
        if lab and lab['complaint']:
            category_train.append({'id': r['id'], 'text': r['text'], 'categories': lab['categories'], 'primary': lab['primary']})
    atec_text = {}
    for r in load(f'{EXT}/atec_nlp_sim/train.jsonl'):
        atec_text[r['id'] + '#q1'] = r['q1']
    for qid, lab in sorted(atec_labels.items()):
        text = atec_text[qid]
        complaint_train.append({'id': qid, 'text': text, 'complaint': lab['complaint']})
        if lab['complaint']:
            category_train.append({'id': qid, 'text': text, 'categories': lab['categories'], 'primary': lab['primary']})
    authored = authored + load(os.path.join(ROOT, 'data', 'authored', 'urgent.jsonl'))
    for r in authored:
        # Project-written examples state the taxonomy's definition (a mild complaint is still a
        # complaint), which sentiment-labelled corpora contradict; they weigh AUTHORED_WEIGHT.
        complaint_train.append({'id': r['id'], 'text': r['text'], 'complaint': r['complaint'], 'weight': AUTHORED_WEIGHT})
        if r['complaint']:
            category_train.append({'id': r['id'], 'text': r['text'], 'categories': r['categories'], 'primary': r['primary']})
    shop_labels = labels('online_shopping.jsonl')
    extra = []
    with zipfile.ZipFile(f'{EXT}/online_shopping_10_cats/online_shopping_10_cats.zip') as z:
        name = next(n for n in z.namelist() if n.endswith('.csv'))
        for i, r in enumerate(csv.DictReader(io.TextIOWrapper(z.open(name), encoding='utf-8'))):
            if r['review'] and r['review'].strip():
                rid = f'online_shopping-{i}'
                lab = shop_labels.get(rid)
                extra.append({'id': rid, 'text': r['review'], 'complaint': lab['complaint'] if lab else r['label'] == '0'})
                if lab and lab['complaint']:
                    category_train.append({'id': rid, 'text': r['review'], 'categories': lab['categories'], 'primary': lab['primary']})
    write('complaint_train.jsonl', complaint_train)
    write('category_train.jsonl', category_train)
    write('complaint_extra.jsonl', extra)

    # Urgent (P1): what was read as illness or a foreign object, and account-security complaints.
    safety = labels('waimai_train_safety.jsonl')
    category_of = {r['id']: r['categories'] for r in category_train}
    urgent_train = []
    for r in complaint_train:
        if r['id'].startswith('qt-urgent-'):
            continue  # added below with their own urgent label
        urgent = 'account_security' in category_of.get(r['id'], []) or (r['id'] in safety and safety[r['id']]['urgent'])
        urgent_train.append({'id': r['id'], 'text': r['text'], 'urgent': urgent})
    shop_safety = labels('online_shopping_safety.jsonl')
    for r in extra:
        cats = category_of.get(r['id'])
        if cats is not None:
            urgent = 'account_security' in cats or (r['id'] in shop_safety and shop_safety[r['id']]['urgent'])
            urgent_train.append({'id': r['id'], 'text': r['text'], 'urgent': urgent})
    for r in load(os.path.join(ROOT, 'data', 'authored', 'urgent.jsonl')):
        urgent_train.append({'id': r['id'], 'text': r['text'], 'urgent': r['urgent']})
    write('urgent_train.jsonl', urgent_train)

    dev = load(f'{EXT}/waimai_10k/dev.jsonl')
    write('complaint_dev.jsonl', [{'id': r['id'], 'text': r['text'], 'complaint': r['sentiment'] == 'negative'} for r in dev])
    dev_urgent = labels('waimai_dev_urgent.jsonl')
    write('urgent_dev.jsonl', [{'id': r['id'], 'text': r['text'], 'urgent': r['id'] in dev_urgent and dev_urgent[r['id']]['urgent']} for r in dev])
    category_dev = []
    for r in dev:
        lab = dev_labels.get(r['id'])
        if lab and lab['complaint']:
            category_dev.append({'id': r['id'], 'text': r['text'], 'categories': lab['categories'], 'primary': lab['primary']})
    write('category_dev.jsonl', category_dev)

    for split in ('train', 'dev'):
        rows = [r for r in load(f'{EXT}/waimai_10k/{split}.jsonl') if r['sentiment'] == 'negative']
        write(f'faq_complaints_{split}.jsonl', [{'id': r['id'], 'text': r['text'], 'complaint': True} for r in rows])
    write('faq_questions.jsonl', [{'id': qid, 'text': atec_text[qid]} for qid, lab in sorted(atec_labels.items()) if not lab['complaint']])

    pairs = sorted(load(f'{EXT}/atec_nlp_sim/train.jsonl'), key=lambda r: r['id'])
    import random
    random.Random(20261123).shuffle(pairs)
    cut = len(pairs) * 4 // 5
    write('atec_pairs_train.jsonl', pairs[:cut])
    write('atec_pairs_holdout.jsonl', pairs[cut:])

    dianping = []
    for r in load(f'{EXT}/dianping_aspect_complaints/dev.jsonl'):
        cats = sorted({DIANPING[c] for c in r['labels'] if c in DIANPING})
        dianping.append({'id': r['id'], 'text': r['text'], 'complaint': bool(cats), 'categories': cats, 'primary': None})
    write('dianping_dev.jsonl', dianping)


if __name__ == '__main__':
    main()
