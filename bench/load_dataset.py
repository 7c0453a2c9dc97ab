"""The benchmark organisation of bench/dataset.py at a tenth of its size: 100,000 contacts.

bench/load.py and bench/locustfile.py import this module instead of
``dataset`` itself, so both build and draw participants from the same,
smaller organisation: same shape and recipe (see dataset.py), every count
divided by ten, in its own file beside the million-contact one.
"""

from bench import dataset

SCALE = {
    "CONTACTS": 100_000,
    "COMPANIES": 10_000,
    "LEADS": 10_000,
    "DEALS": 20_000,
    "NOTES": 50_000,
    "EMAILS": 30_000,
    "OTHER_ORG_CONTACTS": 10_000,
}
for _name, _value in SCALE.items():
    setattr(dataset, _name, _value)  # dataset's functions read these at call time

DEFAULT_PATH = dataset.DEFAULT_PATH.with_name(f"load-100k-v{dataset.RECIPE}.sqlite3")
ROOT, SECRET, ensure, participants, session_header, settings = (
    dataset.ROOT,
    dataset.SECRET,
    dataset.ensure,
    dataset.participants,
    dataset.session_header,
    dataset.settings,
)
CONTACTS = dataset.CONTACTS
