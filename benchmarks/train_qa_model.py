"""Train the pair model of kb.extract.qa_model from pairs judged by reading, and write rules/qa_model.yaml.

The judgments (benchmarks/qa_labels.tsv: group, date, seq of the question, time, verdict,
category, reader) name pairs of a whole-corpus database; this script links every day again
with the model switched off, computes the features of each judged pair that is still a pair,
fits an L2-regularised logistic regression (scikit-learn, `pip install scikit-learn`; only this
script needs it), and prints what 5-fold cross-validation predicts for each keep threshold:

    .venv/bin/python benchmarks/train_qa_model.py sqlite:////tmp/full.sqlite            # report only
    .venv/bin/python benchmarks/train_qa_model.py sqlite:////tmp/full.sqlite --keep 0.45 --write

The database must hold the whole corpus after `kb extract` (the term mentions are read).
"""

from __future__ import annotations

import argparse
import datetime as dt
from collections import Counter
from dataclasses import replace
from pathlib import Path

import numpy as np
import sqlalchemy as sa
import yaml

from kb.errors import KbError
from kb.eval.judged import read_judgments
from kb.extract.qa import linking_inputs
from kb.extract.qa_model import pair_features
from kb.extract.qa_signals import link_day
from kb.rules.qa import load_qa_rules
from kb.store import open_db
from kb.store.models import Message

HERE = Path(__file__).resolve().parent
LABELS = HERE / "qa_labels.tsv"
MODEL = HERE.parent / "rules" / "qa_model.yaml"


def read_labels(path: Path) -> tuple[dict[tuple[str, str, int], bool], dict[tuple[str, str, int], str]]:
    """verdict (right: True) and time of the question of each judged pair, by (group, date, seq)."""
    try:
        judged = read_judgments(path)
    except KbError as exc:
        raise SystemExit(str(exc)) from None
    if "verdict" not in judged.verdicts:
        raise SystemExit(f"{path}:1: no verdict column")
    return judged.verdicts["verdict"], judged.times


def judged_features(url: str, labels: dict, times: dict | None = None,
                    rules_dir: Path | None = None) -> tuple[list[dict], list[bool], list[tuple]]:
    """The features and verdict of each judged pair that the rules (without the model) still make.

    A judgment whose time is not the time of the message at its seq is left out (the database
    holds other logs than the judged ones) and counted in a warning."""
    engine = open_db(url)
    rules = replace(load_qa_rules(rules_dir), model=None)
    m = Message.__table__.c
    times = times or {}
    with engine.connect() as conn:
        rows = conn.execute(sa.select(m.id, m.group, m.date, m.seq, m.time).where(
            m.date.in_({dt.date.fromisoformat(d) for _g, d, _s in labels}))).all()
    judged, moved = {}, 0
    for row in rows:
        key = (row.group, str(row.date), row.seq)
        if key not in labels:
            continue
        if times.get(key) and times[key] != str(row.time):
            moved += 1
            continue
        judged[row.id] = key
    if moved:
        print(f"warning: {moved} judgments left out: the message at their seq has another time "
              "(is this database built from the same logs?)")
    days, weights, aliases = linking_inputs(engine)
    feats, ys, keys = [], [], []
    for messages in days:
        if not any(message.id in judged for message in messages):
            continue
        position = {id(message): i for i, message in enumerate(messages)}
        for pair in link_day(messages, rules, weights, aliases):
            key = judged.get(pair.question.id)
            if key is not None:
                feats.append(pair_features(messages, position[id(pair.question)], pair))
                ys.append(labels[key])
                keys.append(key)
    return feats, ys, keys


def print_judged(labels: dict, feats: list[dict], y: np.ndarray) -> None:
    print(f"{len(labels)} judgments, {len(feats)} still pairs, {y.sum()} right ({y.mean():.1%})")


def print_keeps(p: np.ndarray, y: np.ndarray, keeps) -> None:
    """For each keep threshold: the share of pairs kept, how many of them read right, the right ones kept."""
    print("keep ≥   pairs kept   precision of kept   right pairs kept")
    for keep in keeps:
        kept = p >= keep
        if kept.any():
            print(f"{keep:5.2f}   {kept.mean():10.1%}   {y[kept].mean():17.1%}   {y[kept].sum() / y.sum():15.1%}")
        else:
            print(f"{keep:5.2f}   no pair kept")


def check(url: str, path: Path, rules_dir: Path | None) -> None:
    """Print AUC and precision at keep of the shipped model on judgments it was not trained on."""
    from sklearn.metrics import roc_auc_score

    model = load_qa_rules(rules_dir).model
    if model is None:
        raise SystemExit("no pair model in the rules (qa_model.yaml)")
    labels, times = read_labels(path)
    feats, ys, _keys = judged_features(url, labels, times, rules_dir)
    if len(set(ys)) < 2:
        raise SystemExit(f"{path}: {len(feats)} of its judgments are pairs of this database, and they need "
                         "both right and wrong ones for an AUC")
    y = np.array(ys)
    p = np.array([model.probability(f) for f in feats])
    link = np.array([f["pair_score"] for f in feats])
    print_judged(labels, feats, y)
    print(f"AUC: model {roc_auc_score(y, p):.3f}, linker's score {roc_auc_score(y, link):.3f}")
    print_keeps(p, y, sorted({model.keep, 0.4, 0.5, 0.6, 0.7}))


def main() -> None:
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url")
    parser.add_argument("--labels", type=Path, default=LABELS)
    parser.add_argument("--c", type=float, default=0.3, help="inverse regularisation strength")
    parser.add_argument("--min-support", type=int, default=20,
                        help="leave out features set in fewer judged pairs (too few to learn a weight from)")
    parser.add_argument("--keep", type=float, default=None, help="keep threshold written to the model (0 ≤ keep < 1)")
    parser.add_argument("--rules", type=Path, default=None, help="rules folder whose qa.yaml makes the pairs "
                        "(default: the repository's rules/); the model is written there")
    parser.add_argument("--write", action="store_true", help=f"write {MODEL.relative_to(HERE.parent)} (or --rules' one)")
    parser.add_argument("--check", type=Path, metavar="LABELS",
                        help="no training: how the model file as it stands scores the pairs judged in LABELS "
                             "(judgments it was not trained on: a held-out estimate)")
    args = parser.parse_args()
    if args.check:
        check(args.url, args.check, args.rules)
        return
    if args.keep is not None and not 0 <= args.keep < 1:
        parser.error(f"--keep must be at least 0 and below 1, got {args.keep}")
    if args.write and args.keep is None:
        parser.error("--write needs --keep")
    model_file = (args.rules / MODEL.name) if args.rules else MODEL

    labels, times = read_labels(args.labels)
    feats, ys, _keys = judged_features(args.url, labels, times, args.rules)
    y = np.array(ys)
    print_judged(labels, feats, y)
    support = Counter(name for f in feats for name, value in f.items() if value)
    rare = {name for name, count in support.items() if count < args.min_support}
    feats = [{name: value for name, value in f.items() if name not in rare} for f in feats]
    print(f"features left out (set in fewer than {args.min_support} pairs): {', '.join(sorted(rare)) or 'none'}")
    link = np.array([f["pair_score"] for f in feats])
    print(f"AUC of the linker's own score: {roc_auc_score(y, link):.3f}")
    vec = DictVectorizer(sparse=False)
    x = vec.fit_transform(feats)
    folds = StratifiedKFold(5, shuffle=True, random_state=0)
    for c in sorted({0.03, 0.1, 0.3, 1.0, args.c}):
        model = LogisticRegression(C=c, max_iter=5000, fit_intercept=False)
        p = cross_val_predict(model, x, y, cv=folds, method="predict_proba")[:, 1]
        print(f"C={c:<5g} cross-validated AUC {roc_auc_score(y, p):.3f}")
        if c == args.c:
            chosen = p
    print_keeps(chosen, y, (0.0, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7))
    print("probability   pairs   right (cross-validated: is the probability what it says?)")
    for low in (0.0, 0.2, 0.4, 0.6, 0.8):
        band = (chosen >= low) & (chosen < low + 0.2)
        if band.any():
            print(f"{low:.1f}–{low + 0.2:.1f}     {band.sum():6d}   {y[band].mean():6.1%}")
    model = LogisticRegression(C=args.c, max_iter=5000, fit_intercept=False).fit(x, y)
    weights = {name: round(float(w), 4) for name, w in zip(vec.feature_names_, model.coef_[0]) if abs(w) >= 1e-4}
    for name, w in sorted(weights.items(), key=lambda item: -abs(item[1]))[:25]:
        print(f"  {w:+.3f}  {name}")
    if args.write:
        header = (f"# Pair model of kb.extract.qa_model: logistic weights learned from {len(feats)} pairs judged by\n"
                  f"# reading (benchmarks/qa_labels.tsv), written by benchmarks/train_qa_model.py on "
                  f"{dt.date.today()} (C={args.c}).\n"
                  "# A pair whose probability is below `keep` is dropped. Retrain after changing the features\n"
                  "# or the rules that make pairs (rules/qa.yaml).\n")
        body = yaml.safe_dump({"keep": args.keep, "weights": dict(sorted(weights.items()))},
                              allow_unicode=True, sort_keys=False)
        model_file.write_text(header + body, encoding="utf-8")
        print(f"wrote {model_file}")


if __name__ == "__main__":
    main()
