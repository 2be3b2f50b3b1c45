"""What the promotion gate's two scores measure, on a CSV of real tickets: an "active" model
trained on the older 80% of the rows, a new one on all of them (as a weekly retrain would),
both scored on the new training's held-out rows (docs/triage.md#the-promotion-gate).

    .venv/bin/python -m bench.gate_scores /work/shared/data/support-tickets-en-de.csv
"""

import csv
import sys

from ml.promotion import holdout_macro_f1
from ml.text import join_ticket_text
from ml.training import train_classifier

with open(sys.argv[1], encoding="utf-8") as file:
    rows = list(csv.DictReader(file))
texts = [join_ticket_text(r["subject"] or "", r["body"] or "") for r in rows]
labels = [r["queue"] for r in rows]
cut = int(len(rows) * 0.8)
active = train_classifier(texts[:cut], labels[:cut], min_per_class=5, n_jobs=1)
new = train_classifier(texts, labels, min_per_class=5, n_jobs=1)
h = (new.holdout_texts, new.holdout_labels)
print("rows", len(rows), "held-out", len(h[0]))
print("new: held-out estimate (metrics.macro_f1)", round(new.metrics["macro_f1"], 3))
print("new: final model on its held-out rows    ", round(holdout_macro_f1(new.model, *h), 3))
print("active: on the same held-out rows         ", round(holdout_macro_f1(active.model, *h), 3))
seen = set(texts[:cut])
fresh = [i for i, t in enumerate(h[0]) if t not in seen]
print("held-out rows the active model never saw", len(fresh))
ft = [h[0][i] for i in fresh]
fl = [h[1][i] for i in fresh]
print("  new final on those  ", round(holdout_macro_f1(new.model, ft, fl), 3))
print("  active on those     ", round(holdout_macro_f1(active.model, ft, fl), 3))
