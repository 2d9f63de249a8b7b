"""Import N interview rows (default 5,000) twice and print the times.

    SQLITE_PATH=/tmp/bench-diag.sqlite3 python3 dev.py manage migrate
    SQLITE_PATH=/tmp/bench-diag.sqlite3 RUTAPYME_TESTING=1 \\
        python3 dev.py manage shell -c "exec(open('benchmarks/diagnosis_import.py').read())"

Use an empty scratch database: it creates N firms and an admin. Prints figures, never fails.
"""

import random
import time

from rutapyme.accounts.tests.factories import AdminFactory
from rutapyme.diagnosis import importing
from rutapyme.diagnosis.tests.data import answer_row, create_import, csv_bytes
from rutapyme.diagnosis.tests.factories import answers_for
from rutapyme.firms.fakes import ec_personal_ruc
from rutapyme.firms.tests.factories import FirmFactory

N = 5000

admin = AdminFactory(email=f"bench-import-{time.time_ns()}@example.ec")
rng = random.Random(7)
tax_ids: set[str] = set()
while len(tax_ids) < N:
    tax_ids.add(ec_personal_ruc(rng))
firms = [FirmFactory(tax_id=tax_id) for tax_id in sorted(tax_ids)]
rows = [
    answer_row(f, answers_for(f, seed=i), ANSWERED_ON="2026-10-01") for i, f in enumerate(firms)
]
content = csv_bytes(rows)
for label in ("first import", "same file again"):
    diagnosis_import = create_import(content, user=admin)
    started = time.perf_counter()
    done = importing.diagnosis_import_process(diagnosis_import_id=diagnosis_import.pk)
    print(
        f"{label}: {time.perf_counter() - started:.2f} s for {N} rows "
        f"(created {done.created_count}, updated {done.updated_count}, "
        f"unchanged {done.unchanged_count}, rejected {done.rejected_count})"
    )
