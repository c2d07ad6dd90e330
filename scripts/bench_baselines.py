#!/usr/bin/env python3
"""Side by side on the same splits, in one run: scikit-learn TF-IDF + logistic regression,
fastText, and Qingting (the `qingting` CLI with the built-in model) — accuracy/F1, model bytes,
µs per item — plus segmentation throughput of PyPI jieba vs `qingting segment`.

    cargo xtask bench-baselines        (creates target/py with jieba, scikit-learn, numpy<2, fasttext-wheel)

Splits: target/data/complaint_{train,extra,dev}.jsonl and category_{train,dev}.jsonl from
scripts/build_datasets.py. Baselines train on exactly what `qingting train` trains on (the
project-written examples with the same weight), then score the same dev files.
"""
import json
import os
import pickle
import subprocess
import sys
import tempfile
import time

import jieba
import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, f1_score
from sklearn.multiclass import OneVsRestClassifier
from sklearn.preprocessing import MultiLabelBinarizer

ROOT = os.path.normpath(os.path.join(os.path.dirname(__file__), '..'))
DATA = os.path.join(ROOT, 'target', 'data')
QT = os.path.join(ROOT, 'target', 'release', 'qingting')


def load(name):
    with open(os.path.join(DATA, name), encoding='utf-8') as f:
        return [json.loads(line) for line in f if line.strip()]


def seg(texts):
    return [' '.join(jieba.lcut(t)) for t in texts]


def qingting_classify(rows, given_complaint=False):
    payload = ''.join(json.dumps({'id': i, 'text': r['text'], 'given_complaint': given_complaint}, ensure_ascii=False) + '\n' for i, r in enumerate(rows))
    start = time.perf_counter()
    out = subprocess.run([QT, 'classify'], input=payload.encode(), capture_output=True, check=True).stdout.decode()
    elapsed = time.perf_counter() - start
    return [json.loads(line) for line in out.splitlines()], elapsed


def main():
    jieba.setLogLevel(60)
    jieba.initialize()
    train = load('complaint_train.jsonl') + load('complaint_extra.jsonl')
    dev = load('complaint_dev.jsonl')
    ktrain, kdev = load('category_train.jsonl'), load('category_dev.jsonl')
    y_train = np.array([r['complaint'] for r in train])
    w_train = np.array([r.get('weight', 1.0) for r in train])
    y_dev = np.array([r['complaint'] for r in dev])
    rows = []

    # scikit-learn: char 1-3-gram + jieba word 1-2-gram TF-IDF, logistic regression.
    t0 = time.perf_counter()
    train_seg, dev_seg = seg([r['text'] for r in train]), seg([r['text'] for r in dev])
    vec_c = TfidfVectorizer(analyzer='char', ngram_range=(1, 3), min_df=2, sublinear_tf=True)
    vec_w = TfidfVectorizer(token_pattern=r'(?u)\S+', ngram_range=(1, 2), min_df=2, sublinear_tf=True)
    from scipy.sparse import hstack
    X = hstack([vec_c.fit_transform([r['text'] for r in train]), vec_w.fit_transform(train_seg)]).tocsr()
    clf = LogisticRegression(C=4.0, max_iter=2000)
    clf.fit(X, y_train, sample_weight=w_train)
    start = time.perf_counter()
    Xd = hstack([vec_c.transform([r['text'] for r in dev]), vec_w.transform(seg([r['text'] for r in dev]))]).tocsr()
    pred = clf.predict(Xd)
    us = (time.perf_counter() - start) * 1e6 / len(dev)
    size = len(pickle.dumps((vec_c, vec_w, clf)))
    rows.append(('scikit-learn TF-IDF + LR', accuracy_score(y_dev, pred), f1_score(y_dev, pred), size, us))

    # fastText (word 1-2-grams on jieba tokens, char n-grams inside tokens).
    import fasttext
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, 'train.txt')
        with open(path, 'w', encoding='utf-8') as f:
            for r, s in zip(train, train_seg):
                for _ in range(int(r.get('weight', 1.0))):
                    f.write(f"__label__{int(r['complaint'])} {s}\n")
        model = fasttext.train_supervised(path, epoch=10, lr=0.5, wordNgrams=2, minn=1, maxn=2, dim=50, seed=1, thread=1, verbose=0)
        start = time.perf_counter()
        pred = np.array([model.predict(s)[0][0] == '__label__1' for s in seg([r['text'] for r in dev])])
        us = (time.perf_counter() - start) * 1e6 / len(dev)
        mpath = os.path.join(tmp, 'm.bin')
        model.save_model(mpath)
        size = os.path.getsize(mpath)
    rows.append(('fastText', accuracy_score(y_dev, pred), f1_score(y_dev, pred), size, us))

    # Qingting: the CLI with the built-in model (one process; includes start-up and JSON I/O).
    out, elapsed = qingting_classify(dev)
    pred = np.array([o['complaint'] for o in out])
    qt_size = os.path.getsize(os.path.join(ROOT, 'shared', 'model', 'qingting.qtm')) + os.path.getsize(os.path.join(ROOT, 'shared', 'model', 'dict.txt'))
    rows.append(('Qingting (qingting classify)', accuracy_score(y_dev, pred), f1_score(y_dev, pred), qt_size, elapsed * 1e6 / len(dev)))

    print('\n## Complaint vs not — waimai_10k dev (1,198 texts), trained on the same data\n')
    print('| system | accuracy | F1 (complaint) | model bytes | µs per item |')
    print('|---|---:|---:|---:|---:|')
    for name, acc, f1, size, us in rows:
        print(f'| {name} | {acc:.4f} | {f1:.4f} | {size:,} | {us:.1f} |')

    # Categories: the same two baselines, one-vs-rest, on the labelled dev split.
    mlb = MultiLabelBinarizer()
    Yk = mlb.fit_transform([r['categories'] for r in ktrain])
    Ykd = mlb.transform([r['categories'] for r in kdev])
    vk = TfidfVectorizer(analyzer='char', ngram_range=(1, 3), min_df=1, sublinear_tf=True)
    ovr = OneVsRestClassifier(LogisticRegression(C=8.0, max_iter=2000, class_weight='balanced'))
    ovr.fit(vk.fit_transform([r['text'] for r in ktrain]), Yk)
    pk = ovr.predict(vk.transform([r['text'] for r in kdev]))
    present = [i for i in range(Ykd.shape[1]) if Ykd[:, i].sum() > 0]
    out, _ = qingting_classify(kdev)
    pq = mlb.transform([[c for c in o['categories'] if c in mlb.classes_] for o in out])
    given, _ = qingting_classify(kdev, given_complaint=True)
    pg = mlb.transform([[c for c in o['categories'] if c in mlb.classes_] for o in given])
    print('\n## Categories — labelled waimai_10k dev complaints\n')
    print('| system | micro-F1 | macro-F1 (classes in dev) |')
    print('|---|---:|---:|')
    for name, p in (('scikit-learn TF-IDF + LR (one-vs-rest), given the complaint', pk), ('Qingting, given the complaint (like the baseline)', pg), ('Qingting end to end (its own complaint decision first)', pq)):
        print(f"| {name} | {f1_score(Ykd, p, average='micro'):.4f} | {f1_score(Ykd[:, present], p[:, present], average='macro'):.4f} |")

    # Urgent (P1): scikit-learn char TF-IDF + LR (balanced), threshold chosen like Qingting's (the
    # lowest whose 5-fold out-of-fold precision is at least 0.6), against Qingting's P1.
    from sklearn.model_selection import StratifiedKFold, cross_val_predict
    utrain, udev = load('urgent_train.jsonl'), load('urgent_dev.jsonl')
    yu = np.array([r['urgent'] for r in utrain])
    yud = np.array([r['urgent'] for r in udev])
    vu = TfidfVectorizer(analyzer='char', ngram_range=(1, 3), min_df=1, sublinear_tf=True)
    Xu = vu.fit_transform([r['text'] for r in utrain])
    lr = LogisticRegression(C=4.0, max_iter=2000, class_weight='balanced')
    oof = cross_val_predict(lr, Xu, yu, cv=StratifiedKFold(5, shuffle=True, random_state=20261123), method='predict_proba')[:, 1]
    threshold = 0.99
    for t in [s / 100 for s in range(99, 0, -1)]:
        chosen = oof >= t
        if chosen.sum() and (chosen & yu).sum() / chosen.sum() >= 0.6:
            threshold = t
    lr.fit(Xu, yu)
    pu = lr.predict_proba(vu.transform([r['text'] for r in udev]))[:, 1] >= threshold
    out, _ = qingting_classify(udev)
    qu = np.array([o.get('priority') == 'P1' for o in out])

    def pr(p, y):
        tp = int((p & y).sum())
        return f'{tp} of {int(y.sum())}', tp / max(int(y.sum()), 1), tp / max(int(p.sum()), 1), int((p & ~y).sum())

    print('\n## Urgent (P1) — waimai_10k dev (1,198 texts, 20 read as urgent)\n')
    print('| system | found | recall | precision | false alarms | model bytes |')
    print('|---|---:|---:|---:|---:|---:|')
    sk_size = len(pickle.dumps((vu, lr)))
    for name, p, size in ((f'scikit-learn char TF-IDF + LR (balanced, threshold {threshold:.2f})', pu, f'{sk_size:,}'), ('Qingting P1 (rules or urgent head)', qu, 'in the model above')):
        found, rec, prec, fa = pr(p, yud)
        print(f'| {name} | {found} | {rec:.3f} | {prec:.3f} | {fa} | {size} |')

    # Segmentation throughput.
    texts = [r['text'] for r in dev] * 20
    chars = sum(len(t) for t in texts)
    start = time.perf_counter()
    for t in texts:
        jieba.lcut(t, HMM=False)
    py = time.perf_counter() - start
    start = time.perf_counter()
    subprocess.run([QT, 'segment'], input='\n'.join(texts).encode(), capture_output=True, check=True)
    rs = time.perf_counter() - start
    print(f'\n## Segmentation throughput ({len(texts):,} texts, {chars:,} characters)\n')
    print('| segmenter | texts/s | speed-up |')
    print('|---|---:|---:|')
    print(f'| PyPI jieba 0.42 (full dictionary, HMM off) | {len(texts) / py:,.0f} | 1.0× |')
    print(f'| qingting segment (jieba-rs, trimmed dictionary, incl. process start and I/O) | {len(texts) / rs:,.0f} | {py / rs:.1f}× |')


if __name__ == '__main__':
    sys.exit(main())
